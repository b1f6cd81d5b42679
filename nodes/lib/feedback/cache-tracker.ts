/**
 * Did the Global Caches take our core data? For each notification we publish with `cache` true,
 * the caches republish on `cache/a/wis2/<centre-id>/…` with the same `data_id`, their own id and
 * `properties.global-cache` (their centre id). The tracker records, per cache, the delay from our
 * `pubtime` to theirs (both read from the messages, so neither clock of this host matters), and
 * reports as missed a file no cache announced within the window (timed on this host's clock from
 * when we published it).
 *
 * What is being waited for lives in an announcement memory file of its own (the same bounded,
 * append-only, crash-safe store): one entry per data_id, rewritten on every arrival, so a restart
 * in the middle resumes every wait where it was.
 */
import { StringMap } from '../core/string-map';
import { AnnouncementMemory, type MemoryOptions } from '../reliability/memory';
import { RANK, type TurnWrites } from '../reliability/turn-writes';
import { decodeJson } from '../intake';
import { Wis2Error } from '../core/errors';
import { toUtcString } from '../core/time';
import type { PublishedLookup } from './monitor';
import { isRecord } from '../core/json';

export const DEFAULT_WINDOW_MS = 30 * 60_000;

/** Whether a tracker's `origin` option, as the editor saves it (a boolean, or text), turns the read-back on. */
export function readsBack(option: unknown): boolean {
  return option === true || option === 'true';
}

/** Where a tracker reads our notifications back: as a Global Broker republishes what the centre publishes. */
export function readBackFilter(centreId: string): string {
  return `origin/a/wis2/${centreId}/data/#`;
}

export interface TrackerOptions {
  file: string;
  /** a file no cache announced within this time is missed; default 30 minutes */
  windowMs?: number;
  /** default 1 000 000 files */
  maxEntries?: number;
  /** how long a file stays known (for linking monitoring events); default 7 days */
  maxAgeMs?: number;
  now?: () => number;
  /** the memory's lines wait for the end of the turn (see TurnWrites), reported when they cannot be written */
  turn?: { writes: TurnWrites; onError: (err: Error) => void };
}

/** What we published, as remembered. */
export interface Tracked {
  id: string;
  dataId: string;
  topic: string;
  pubtime: string;
  href?: string;
  integrity?: string;
  /** this host's clock when we published it (ms) */
  publishedAt: number;
  /** delay in seconds per Global Cache centre id */
  arrivals: Partial<Record<string, number>>;
  /** reported missed */
  missed?: boolean;
}

export interface Arrival {
  cache: string;
  dataId: string;
  /** seconds from our pubtime to the cache's */
  delay: number;
  ourNotification: string;
  cacheNotification: string;
  href?: string;
}

export type CacheOutcome =
  | { kind: 'arrival'; arrival: Arrival }
  /** the same cache again for the same file: counted once */
  | { kind: 'repeated'; cache: string; dataId: string }
  /** not a file we are tracking (not ours, not cached, forgotten, or another version) */
  | { kind: 'unmatched'; cache: string; dataId: string };

interface Notification {
  id: string;
  dataId: string;
  pubtime: string;
  pubtimeMs: number;
  cache: boolean;
  globalCache?: string;
  href?: string;
  integrity?: string;
  deletion: boolean;
}

/** the link that names the file: the first with one of these relations */
const MAIN_RELS: ReadonlySet<string> = new Set(['canonical', 'update', 'deletion']);

function refuse(code: string, message: string, path = ''): never {
  throw new Wis2Error('cache', code, message, path);
}

/** The longest notification id the tracker accepts. */
const MAX_ID_LENGTH = 256;

/** The members the tracker needs of a notification, checked: it may come from a public broker. */
export function readNotification(payload: unknown): Notification {
  return notificationOf(decodeJson(payload, { maxBytes: 64 * 1024, maxDepth: 32 }));
}

/** The same, of a notification already decoded. */
function notificationOf(wnm: unknown): Notification {
  if (!isRecord(wnm)) refuse('cache.not_object', 'a notification is a JSON object');
  const props = wnm.properties;
  if (typeof wnm.id !== 'string' || wnm.id === '' || wnm.id.length > MAX_ID_LENGTH) refuse('cache.no_id', 'a notification has a string id', '/id');
  if (!isRecord(props)) refuse('cache.no_properties', 'a notification has properties', '/properties');
  const dataId = props.data_id;
  if (typeof dataId !== 'string' || dataId === '' || dataId.length > 1024) refuse('cache.no_data_id', 'a data notification has properties.data_id', '/properties/data_id');
  const pubtime = typeof props.pubtime === 'string' ? toUtcString(props.pubtime) : undefined;
  const pubtimeMs = pubtime === undefined ? NaN : Date.parse(pubtime);
  if (pubtime === undefined || !Number.isFinite(pubtimeMs)) refuse('cache.pubtime', 'properties.pubtime is an RFC 3339 date-time with an offset', '/properties/pubtime');
  let main: Record<string, unknown> | undefined;
  if (Array.isArray(wnm.links)) {
    for (const l of wnm.links as unknown[]) {
      if (isRecord(l) && MAIN_RELS.has(String(l.rel))) {
        main = l;
        break;
      }
    }
  }
  const out: Notification = { id: wnm.id, dataId, pubtime, pubtimeMs, cache: props.cache !== false, deletion: main?.rel === 'deletion' };
  const gc = props['global-cache'];
  if (gc !== undefined) {
    if (typeof gc !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(gc)) refuse('cache.global_cache', 'properties.global-cache is a centre id', '/properties/global-cache');
    out.globalCache = gc;
  }
  if (typeof main?.href === 'string' && main.href.length <= 2048) out.href = main.href;
  const integrity = props.integrity;
  if (isRecord(integrity) && typeof integrity.value === 'string' && integrity.value.length <= 256) out.integrity = integrity.value;
  return out;
}

/** How an id member starts in JSON text: in ours, a notification's own id comes first. */
const ID_MEMBER_TEXT = '"id":"';
const ID_MEMBER = Buffer.from(ID_MEMBER_TEXT);
const QUOTE = 0x22;

/**
 * Our notifications on their way to the Global Broker, so that the tracker reads one back
 * without parsing it: the same bytes say the same. One is remembered as the publisher queues it
 * (the Global Broker's copy may come before our broker's acknowledgement), with what the tracker
 * needs of it, read from the object the publisher checked; it is forgotten when it comes back,
 * or once `max` later ones are remembered (the Global Broker never sent it: it is down, or does
 * not forward). A copy that differs by a byte is parsed, as anything else from a broker.
 */
export class OwnNotifications {
  /** copies read back without parsing */
  known = 0;
  /** copies parsed, as anything else from a broker */
  unknown = 0;
  private readonly byId = new Map<string, { bytes: Uint8Array; n: Notification }>();

  constructor(private readonly max = 4096) {}

  /** A notification queued for publication: its exact bytes, and the object they encode. */
  expect(bytes: Uint8Array, message: unknown): void {
    let n: Notification;
    try {
      n = notificationOf(message);
    } catch {
      // what the tracker would refuse is read back the long way, to be refused there
      return;
    }
    if (this.byId.size >= this.max) {
      const oldest = this.byId.keys().next();
      if (oldest.done !== true) this.byId.delete(oldest.value);
    }
    this.byId.set(n.id, { bytes, n });
  }

  /** What `bytes` say when they are those of a notification expected; undefined otherwise. */
  take(bytes: Buffer): Notification | undefined {
    const at = bytes.indexOf(ID_MEMBER);
    const from = at + ID_MEMBER.length;
    const end = at < 0 ? -1 : bytes.indexOf(QUOTE, from);
    const hit = end < 0 || end - from > MAX_ID_LENGTH ? undefined : this.byId.get(bytes.toString('latin1', from, end));
    if (hit === undefined || !bytes.equals(hit.bytes)) {
      this.unknown++;
      return undefined;
    }
    this.byId.delete(hit.n.id);
    this.known++;
    return hit.n;
  }

  /** notifications waiting to come back */
  get size(): number {
    return this.byId.size;
  }
}

const ID_PREFIX = `{${ID_MEMBER_TEXT}`;

/** A record as the tracker's memory holds it: its data_id is the line's key. */
type StoredRecord = Omit<Tracked, 'dataId'>;

/** A stored record, with its data_id (records written before they left it out say it too). */
function trackedOf(dataId: string, record: string): Tracked {
  const t = JSON.parse(record) as Tracked;
  t.dataId = dataId;
  return t;
}

/**
 * The notification id of a stored record: the memory's alias for it, by which `byId` finds the
 * record. `save` writes the id first, so it is read off the front unless it holds an escape,
 * which spares decoding the record (some 600 bytes) for each line the memory replays or reads
 * back. '' for a record that has none (never one the tracker wrote).
 */
function trackedId(record: string): string {
  if (record.startsWith(ID_PREFIX)) {
    const end = record.indexOf('"', ID_PREFIX.length);
    const id = record.slice(ID_PREFIX.length, end);
    if (end > 0 && !id.includes('\\')) return id;
  }
  try {
    const id = (JSON.parse(record) as Partial<Tracked> | null)?.id;
    return typeof id === 'string' ? id : '';
  } catch {
    return '';
  }
}

function waits(t: Tracked): boolean {
  if (t.missed) return false;
  for (const cache in t.arrivals) if (Object.hasOwn(t.arrivals, cache)) return false;
  return true;
}

export class CacheTracker implements PublishedLookup {
  readonly windowMs: number;
  /** arrivals per cache */
  readonly arrivals = new Map<string, number>();
  /** delays seen, in seconds, per cache (the node turns them into a histogram) */
  readonly delays: { cache: string; delay: number }[] = [];
  missed = 0;
  published = 0;
  repeated = 0;
  unmatched = 0;
  /** what the publishers of this runtime queued, known when the Global Broker sends it back */
  readonly own = new OwnNotifications();

  private readonly store: AnnouncementMemory;
  private readonly now: () => number;
  /**
   * data_ids waiting for a first cache, oldest published first (a file published again is in
   * twice), from `head` on. The front is let go as soon as it waits no more (cached, deleted,
   * or forgotten by the store), not only when the window has passed: otherwise every file
   * published within the window would be held here, beyond the store's bound (1.8 million
   * data_ids for a 30-minute window at 1,000 files a second).
   */
  private waiting: string[] = [];
  private head = 0;
  /**
   * Per data_id in `waiting` or with a stored record still waiting for a first cache: twice its
   * occurrences in `waiting`, plus one while its record waits. One map, so that keeping it costs
   * a lookup or two per notification; a StringMap, since it may hold as many files as the store
   * while they come and go. Nothing else here holds a file once it waits no more: the store finds
   * a record by its notification id too (its alias), for `byId`.
   */
  private readonly state = new StringMap<number>();
  /**
   * `pending()`: the occurrences in `waiting` of the data_ids whose record waits, kept up to date
   * as records change so that the node's status, drawn several times a second, does not walk
   * every waiting file.
   */
  private openCount = 0;

  private constructor(store: AnnouncementMemory, windowMs: number, now: () => number) {
    this.store = store;
    this.windowMs = windowMs;
    this.now = now;
    const open: Tracked[] = [];
    for (const [dataId, r] of store.live()) {
      const t = trackedOf(dataId, r.fingerprint);
      if (waits(t)) open.push(t);
    }
    open.sort((a, b) => a.publishedAt - b.publishedAt);
    for (const t of open) {
      this.markOpen(t.dataId, true);
      this.enqueue(t.dataId);
    }
  }

  static open(options: TrackerOptions): CacheTracker {
    const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    if (!(windowMs > 0)) throw new RangeError(`cache tracker: windowMs must be positive, got ${String(windowMs)}`);
    const memory: MemoryOptions = {
      file: options.file,
      // records are read back only when a cache, a sweep or an update asks for one
      keepOnDisk: true,
      // monitoring events quote our notification ids
      alias: trackedId,
      // kept beyond the window so that late monitoring events still find what they are about
      maxAgeMs: options.maxAgeMs ?? Math.max(7 * 24 * 3600_000, 2 * windowMs),
    };
    if (options.maxEntries !== undefined) memory.maxEntries = options.maxEntries;
    if (options.now) memory.now = options.now;
    if (options.turn) {
      memory.turn = options.turn.writes;
      memory.rank = RANK.memory;
      memory.onDeferredError = options.turn.onError;
    }
    let tracker: CacheTracker | undefined;
    memory.onForget = (dataId) => tracker?.forgotten(dataId);
    const store = AnnouncementMemory.open(memory);
    try {
      tracker = new CacheTracker(store, windowMs, options.now ?? Date.now);
      return tracker;
    } catch (err) {
      store.close();
      throw err;
    }
  }

  get recoveryWarnings(): readonly string[] {
    return this.store.recoveryWarnings;
  }

  /**
   * One of our notifications, once published. Returns false when there is nothing to wait for:
   * no cache (`cache` false), a deletion (the caches drop the file), or a cache's own message.
   */
  publishedNotification(payload: unknown, topic: string): boolean {
    const known = Buffer.isBuffer(payload) ? this.own.take(payload) : undefined;
    const n = known ?? readNotification(payload);
    if (n.globalCache !== undefined) refuse('cache.not_ours', 'a notification with properties.global-cache comes from a Global Cache, not from us', '/properties/global-cache');
    if (n.deletion) {
      this.store.delete(n.dataId);
      return false;
    }
    if (!n.cache) return false;
    const before = this.get(n.dataId);
    // the same notification again (from our side and from a Global Broker, or from two of them)
    if (before?.id === n.id) return false;
    const t: Tracked = { id: n.id, dataId: n.dataId, topic, pubtime: n.pubtime, publishedAt: this.now(), arrivals: {} };
    if (n.href !== undefined) t.href = n.href;
    if (n.integrity !== undefined) t.integrity = n.integrity;
    // an object given in place of text (or read as its publisher queued it) may hold strings
    // cut from a larger one
    this.save(t, known === undefined && (typeof payload === 'string' || payload instanceof Uint8Array));
    this.enqueue(n.dataId);
    this.published++;
    this.letGo();
    return true;
  }

  /** A message from `cache/a/wis2/<centre-id>/…`. */
  cacheNotification(payload: unknown): CacheOutcome {
    const n = readNotification(payload);
    if (n.globalCache === undefined) refuse('cache.no_global_cache', 'a Global Cache republication has properties.global-cache', '/properties/global-cache');
    const cache = n.globalCache;
    const t = this.get(n.dataId);
    const ourPubtimeMs = t === undefined ? NaN : Date.parse(t.pubtime);
    // another version of the file than the one we wait for: an older copy, or not ours at all
    if (!t || (t.integrity !== undefined && n.integrity !== undefined && t.integrity !== n.integrity) || n.pubtimeMs < ourPubtimeMs) {
      this.unmatched++;
      return { kind: 'unmatched', cache, dataId: n.dataId };
    }
    if (t.arrivals[cache] !== undefined) {
      this.repeated++;
      return { kind: 'repeated', cache, dataId: n.dataId };
    }
    const delay = Math.round(n.pubtimeMs - ourPubtimeMs) / 1000;
    t.arrivals[cache] = delay;
    // a file announced after the window still counts as cached; it stays counted as missed too
    this.save(t);
    this.arrivals.set(cache, (this.arrivals.get(cache) ?? 0) + 1);
    this.delays.push({ cache, delay });
    if (this.delays.length > 10_000) this.delays.splice(0, this.delays.length - 10_000);
    const arrival: Arrival = { cache, dataId: n.dataId, delay, ourNotification: t.id, cacheNotification: n.id };
    if (n.href !== undefined) arrival.href = n.href;
    return { kind: 'arrival', arrival };
  }

  /** Files no cache announced within the window, marked and returned once each. */
  sweep(): Tracked[] {
    const now = this.now();
    const out: Tracked[] = [];
    let i = this.head;
    for (; i < this.waiting.length; i++) {
      const dataId = this.waiting[i] ?? '';
      // waits no more: no need to read its record back
      if (((this.state.get(dataId) ?? 0) & 1) === 0) continue;
      const t = this.get(dataId);
      if (!t || !waits(t)) continue;
      if (now - t.publishedAt < this.windowMs) break;
      t.missed = true;
      this.save(t);
      this.missed++;
      out.push(t);
    }
    for (let j = this.head; j < i; j++) this.release(j);
    this.head = i;
    this.letGo();
    return out;
  }

  get(dataId: string): Tracked | undefined {
    const r = this.store.get(dataId);
    return r === undefined ? undefined : trackedOf(dataId, r.fingerprint);
  }

  /** files waiting for a first cache */
  pending(): number {
    let n = this.openCount;
    if (this.head === this.waiting.length) return n;
    // the store forgets expired entries only when next written to: until then they wait no more
    for (const dataId of this.store.expiredKeys()) {
      const s = this.state.get(dataId) ?? 0;
      if ((s & 1) === 1) n -= s >> 1;
    }
    return n;
  }

  byId(id: string): { dataId: string } | undefined {
    const hit = this.store.findByAlias(id);
    return hit === undefined ? undefined : { dataId: hit[0] };
  }

  byDataId(dataId: string): { id?: string } | undefined {
    const t = this.get(dataId);
    return t ? { id: t.id } : undefined;
  }

  close(): void {
    this.store.close();
  }

  /** `parsed`: t.dataId comes from parsing text, so it is a fresh flat string the store can keep. */
  private save(t: Tracked, parsed = true): void {
    // the data_id keys the line: the record does not say it again; its id comes first (trackedId)
    const record: StoredRecord = { id: t.id, topic: t.topic, pubtime: t.pubtime, publishedAt: t.publishedAt, arrivals: t.arrivals };
    if (t.href !== undefined) record.href = t.href;
    if (t.integrity !== undefined) record.integrity = t.integrity;
    if (t.missed !== undefined) record.missed = t.missed;
    this.store.setRecord(t.dataId, record, parsed);
    this.markOpen(t.dataId, waits(t) && this.store.has(t.dataId));
  }

  /** The store forgot it (deleted, evicted, expired). */
  private forgotten(dataId: string): void {
    this.markOpen(dataId, false);
  }

  private markOpen(dataId: string, open: boolean): void {
    const s = this.state.get(dataId) ?? 0;
    if (open === ((s & 1) === 1)) return;
    const n = s >> 1;
    if (open) {
      this.state.set(dataId, s + 1);
      this.openCount += n;
    } else {
      if (s === 1) this.state.delete(dataId);
      else this.state.set(dataId, s - 1);
      this.openCount -= n;
    }
  }

  /** Drops the front of `waiting` while it waits no more; keeps the array from growing on. */
  private letGo(): void {
    while (this.head < this.waiting.length) {
      const dataId = this.waiting[this.head] ?? '';
      if (((this.state.get(dataId) ?? 0) & 1) === 1) break;
      this.release(this.head);
      this.head++;
    }
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 1024 && 2 * this.head > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }

  /** Lets go of slot `j` of `waiting`, before the head moves past it. */
  private release(j: number): void {
    this.dequeue(this.waiting[j] ?? '');
    // the store may have forgotten it already: the slot must not keep its data_id alive
    this.waiting[j] = '';
  }

  private enqueue(dataId: string): void {
    this.waiting.push(dataId);
    const s = this.state.get(dataId) ?? 0;
    this.state.set(dataId, s + 2);
    if ((s & 1) === 1) this.openCount++;
  }

  private dequeue(dataId: string): void {
    const s = this.state.get(dataId) ?? 0;
    if ((s & 1) === 1) this.openCount--;
    if (s <= 3 && (s & 1) === 0) this.state.delete(dataId);
    else this.state.set(dataId, s - 2);
  }
}
