import fs from 'node:fs';
import path from 'node:path';
import { hashOf } from '../core/string-map';
import { EntryTable } from './entry-table';
import { fsyncDirectory, readFully, writeFully, writevFully } from './journal';
import { acquireLock, JournalLockedError, releaseLock } from './journal-lock';
import { readJsonLines } from './json-lines';
import { isRecord, jsonQuote } from '../core/json';
import type { DeferredWriter, TurnWrites } from './turn-writes';

export { JournalLockedError };

/**
 * What the pipeline announced, per data_id: a fingerprint of the file (its integrity value, or
 * href + length without one) and when. Same fingerprint again: a duplicate, not re-announced;
 * another one: an update. A deletion forgets the data_id.
 *
 * On disk, one JSON array per line, so any string survives (JSON escapes newlines and lone
 * surrogates alike):
 *
 *     ["wis2-memory",1]                      first line
 *     ["s",dataId,fingerprint,atMs]          announced
 *     ["r",dataId,{…},atMs]                  announced, the fingerprint a JSON object (setRecord)
 *     ["d",dataId,atMs]                      deleted
 *
 * An "r" line holds its fingerprint as the object itself rather than as a string of it, which
 * JSON would escape a second time: the cache tracker writes a record of some 500 bytes per
 * notification. Its fingerprint is the object's JSON text. Files written before "r" lines
 * existed hold only the others and are read as they always were.
 *
 * Each call writes its line (one write(2)) before it returns, so a killed process keeps it;
 * with a `turn`, the lines of a turn are written together at its end (see TurnWrites).
 * Bytes after the last newline are a line torn by a kill: recovery cuts them off, which also
 * keeps the next line from being glued to them. Evictions (too many entries, too old) are not
 * written: replaying the lines in order with the same bounds evicts the same entries. When the
 * file passes twice the live lines (plus 64 KiB, so small memories do not churn) it is
 * rewritten into `<file>.tmp`: the lines live when the rewrite began, copied byte for byte in
 * announcement order, then every line written since, then fsync and rename. Replaying that
 * file gives what replaying the old one gives. A rewrite of up to 1 MiB is done at once; a
 * larger one goes a step with each later write, copying four times the bytes written, so no
 * single call stalls on a big file (measured: 0.7 s for a rewrite of 70 MB in one go). Meanwhile
 * the file keeps growing by what is written, about a quarter of its live lines at most. A kill
 * mid-rewrite leaves the old file whole; recovery deletes the temp file.
 *
 * In memory, per entry: slots of typed arrays (its data_id's hash, its line's place and length,
 * its time) and of an index by hash (see EntryTable); without `keepOnDisk`, also the two
 * strings, fresh copies that keep no larger string of the caller alive. With `keepOnDisk` the
 * memory holds no string and no object per entry: it reads an entry's line back (one pread and
 * a JSON.parse) when its data_id's hash matches a lookup, which is when the data_id was announced
 * before, and when it tells `onForget`.
 * Measured on Node.js 24 (x64, heap and ArrayBuffers after full collections) with Argo data_ids
 * (125 characters) and sha512 integrity values: with `keepOnDisk`, 55 bytes per entry for
 * 100,000 entries, 61 once 300,000 more announcements made it forget as many (33 and 52 for a
 * million: the arrays are 1.5 times the entries, the index twice that at least); without it,
 * about 340 and 354, the two strings being most of it.
 * Size `maxEntries` to the announcements of `maxAgeMs`.
 */
export interface MemoryOptions {
  file: string;
  /** default 1 000 000; beyond, the oldest announced is forgotten */
  maxEntries?: number;
  /** default 30 days; older entries behave as absent */
  maxAgeMs?: number;
  /** milliseconds since the epoch; Date.now by default (tests inject a clock) */
  now?: () => number;
  /**
   * Told of each entry forgotten after `open` returned (deleted, evicted by the bounds, or
   * expired), with what it remembered, so that an owner keeping a view of the entries can
   * follow without polling.
   */
  onForget?: (dataId: string, fingerprint: string) => void;
  /**
   * Bytes a rewrite of the file copies per step, default 64 KiB. Also the slack under which the
   * file is not rewritten, and a sixteenth of the live lines a rewrite copies at once.
   */
  rewriteStepBytes?: number;
  /**
   * Keep the data_ids and fingerprints in the file only, no string per entry in the heap: a
   * lookup of a data_id held, `live`, `expiredKeys` and `onForget` read its line back (one pread
   * and a JSON.parse); a lookup of a data_id not held reads nothing. For memories whose lookups
   * mostly miss (a new file) and whose strings are large, such as the cache tracker's records of
   * some 600 bytes.
   */
  keepOnDisk?: boolean;
  /**
   * A second key each entry can be found by (`findByAlias`), taken from its fingerprint: the
   * cache tracker's notification id, so that it needs no map of its own from ids to data_ids.
   * Indexed by its hash alone (some 20 to 30 bytes per entry); a lookup whose hash matches
   * reads the fingerprint back, with `keepOnDisk`, to compare.
   */
  alias?: (fingerprint: string) => string;
  /** lines wait for the end of the turn and go out with the others in one write (see TurnWrites) */
  turn?: TurnWrites;
  /** where this memory's file comes in a flush of the turn (RANK) */
  rank?: number;
  /** a deferred write failed: its lines stay in memory and are tried again at the next flush */
  onDeferredError?: (err: Error) => void;
}

export interface Remembered {
  fingerprint: string;
  at: number;
}

/** An entry's line read back, and where it was read. */
interface Line {
  pos: number;
  generation: number;
  key: string;
  fingerprint: string;
}

/** A rewrite under way: the file is read from `from` on, the new one written to `fd`. */
interface Rewrite {
  fd: number;
  tmp: string;
  /** where the lines live when it began start in the file, and their lengths, in file order */
  from: Float64Array;
  len: Float64Array;
  /** the next of those to copy */
  next: number;
  /** the file's end when it began: everything from there on is copied whole */
  tailFrom: number;
  /** how far the whole copy has read, once the live lines are done */
  cursor: number;
  /** bytes in the new file */
  size: number;
  /** of which flushed to disk */
  synced: number;
  /** bytes it may read and copy before its next step */
  credit: number;
  /** what it reads into */
  window: Buffer;
}

const HEADER = Buffer.from('["wis2-memory",1]\n', 'utf8');
const READ_CHUNK = 1 << 20;
/** a rewrite copies this many bytes for each byte written meanwhile, so it catches up with the file */
const REWRITE_PACE = 4;
/**
 * a rewrite flushes its new file to disk every so many bytes, so that the fsync before the
 * rename has little left to write (measured: 35 ms for 80 MB at once)
 */
const REWRITE_SYNC_EVERY = 4 << 20;
/** a rewrite with no more than this many steps of live lines to copy is done at once */
const REWRITE_AT_ONCE_STEPS = 16;
const NEWLINE = 0x0a;

const LEFT_BRACE = 0x7b;

/**
 * An "s" or "r" line, checked: its data_id, its fingerprint (a string, or a record's object) and
 * its time (a number, or null when the clock gave none).
 */
function announcement(line: unknown): { key: string; value: unknown; record: boolean; at: number | null } | undefined {
  if (!Array.isArray(line) || line.length !== 4 || typeof line[1] !== 'string' || (typeof line[3] !== 'number' && line[3] !== null)) return undefined;
  const [kind, key, value, at] = line as [unknown, string, unknown, number | null];
  if (kind === 's' && typeof value === 'string') return { key, value, record: false, at };
  if (kind === 'r' && isRecord(value)) return { key, value, record: true, at };
  return undefined;
}

/**
 * An announcement's fingerprint. A record's is its JSON text: cut from `line` when given and as
 * `setRecord` writes it (no need to write the object again; the text is then a slice of the
 * line), else written from the object parsed, a fresh string.
 */
function fingerprintOf(a: { key: string; value: unknown; record: boolean }, line?: string): string {
  if (!a.record) return a.value as string;
  if (line !== undefined) {
    const head = `["r",${jsonQuote(a.key)},`;
    const end = line.lastIndexOf(',');
    if (line.startsWith(head) && end > head.length) return line.slice(head.length, end);
  }
  return JSON.stringify(a.value);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`announcement memory: ${name} must be a positive number, got ${String(value)}`);
  return value;
}

export class AnnouncementMemory implements DeferredWriter {
  /** lines recovery skipped, and why */
  readonly recoveryWarnings: string[] = [];

  private readonly file: string;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly onForget: ((dataId: string, fingerprint: string) => void) | undefined;
  private readonly aliasOf: ((fingerprint: string) => string) | undefined;
  /** the entries in announcement order, and the index by data_id */
  private readonly table: EntryTable;
  /** whether entry `i` holds a data_id (EntryTable asks, without strings in the heap) */
  private readonly holds = (i: number, key: string): boolean => this.keyAt(i) === key;
  private readonly hasAlias = (i: number, alias: string): boolean => this.aliasOf?.(this.fingerprintOf(i)) === alias;
  /** the line read back or set last: an entry is often looked up, then its fingerprint asked for */
  private lastLine: Line | undefined;
  /** counts the rewrites, which move every line */
  private generation = 0;
  private liveBytes = 0;
  private fileBytes = 0;
  /** after a failed compaction, wait for this much file before trying again */
  private compactAfter = 0;
  private rewrite: Rewrite | undefined;
  private readonly stepBytes: number;
  private readonly onDisk: boolean;
  private fd = -1;
  private readonly turn: TurnWrites | undefined;
  readonly rank: number;
  private readonly onDeferredError: ((err: Error) => void) | undefined;
  /** lines counted in `fileBytes` that wait for the end of the turn */
  private deferred: Buffer[] = [];
  private deferredBytes = 0;
  private recovered = false;
  private closed = false;

  private constructor(file: string, options: MemoryOptions) {
    this.file = file;
    this.maxEntries = Math.floor(positive(options.maxEntries, 1_000_000, 'maxEntries'));
    this.maxAgeMs = positive(options.maxAgeMs, 30 * 24 * 3600 * 1000, 'maxAgeMs');
    this.now = options.now ?? Date.now;
    this.onForget = options.onForget;
    this.stepBytes = Math.floor(positive(options.rewriteStepBytes, 64 * 1024, 'rewriteStepBytes'));
    this.onDisk = options.keepOnDisk === true;
    this.aliasOf = options.alias;
    this.table = new EntryTable(!this.onDisk, undefined, this.aliasOf !== undefined);
    this.turn = options.turn;
    this.rank = options.rank ?? 0;
    this.onDeferredError = options.onDeferredError;
  }

  static open(options: MemoryOptions): AnnouncementMemory {
    const file = path.resolve(options.file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    acquireLock(file);
    try {
      const memory = new AnnouncementMemory(file, options);
      memory.recover();
      return memory;
    } catch (error) {
      releaseLock(file);
      throw error;
    }
  }

  get(dataId: string): Remembered | undefined {
    this.checkOpen();
    const i = this.table.find(dataId, this.holds);
    if (i < 0 || this.expired(i, this.now())) return undefined;
    return { fingerprint: this.fingerprintOf(i), at: this.table.ats[i] };
  }

  /**
   * `owned`: both strings are the caller's own and flat (fresh from JSON.parse or JSON.stringify,
   * not cut from a larger string), so they are kept as they are. Otherwise the line is parsed back
   * for fresh flat strings: a slice of a caller's whole message would pin that message for as long
   * as the entry lives, and the cheaper copies (a slice of a concatenation) make strings that are
   * slower to read and bigger.
   */
  set(dataId: string, fingerprint: string, owned = false): void {
    this.checkOpen();
    if (typeof dataId !== 'string' || typeof fingerprint !== 'string') throw new TypeError('announcement memory: data_id and fingerprint are strings');
    this.announce('s', dataId, jsonQuote(fingerprint), fingerprint, owned);
  }

  /**
   * `set` with an object for fingerprint, written into the line as it is (an "r" line): the
   * fingerprint is then its JSON text, which is what `get` gives back. `owned` as for `set`,
   * of the data_id (the text is made here).
   */
  setRecord(dataId: string, record: Readonly<Record<string, unknown>>, owned = false): void {
    this.checkOpen();
    const json: unknown = typeof dataId === 'string' && isRecord(record) ? JSON.stringify(record) : undefined;
    // an object whose toJSON says something else would not read back as an object
    if (typeof json !== 'string' || json.charCodeAt(0) !== LEFT_BRACE) throw new TypeError('announcement memory: data_id is a string and the record a plain object');
    this.announce('r', dataId, json, json, owned);
  }

  /** Writes and remembers an announcement: `value` is the fingerprint as its line holds it. */
  private announce(kind: 's' | 'r', dataId: string, value: string, fingerprint: string, owned: boolean): void {
    const at = this.now();
    const line = `["${kind}",${jsonQuote(dataId)},${value},${Number.isFinite(at) ? at : 'null'}]`;
    const pos = this.fileBytes;
    const bytes = this.writeLine(line);
    if (owned || this.onDisk) {
      // with `keepOnDisk` the strings are not kept, but for the line set last, which is often
      // asked for next
      this.remember(dataId, fingerprint, at, pos, bytes);
      if (this.onDisk) this.lastLine = { pos, generation: this.generation, key: dataId, fingerprint };
    } else {
      // the fingerprint is the caller's only for `set`; a record's text is made in `setRecord`
      const own = JSON.parse(line) as [string, string, unknown, number];
      this.remember(own[1], kind === 's' ? (own[2] as string) : fingerprint, at, pos, bytes);
    }
    this.purgeExpired();
    this.maybeCompact(bytes);
  }

  delete(dataId: string): void {
    this.checkOpen();
    const i = this.table.find(dataId, this.holds);
    if (i < 0) return;
    const bytes = this.writeLine(JSON.stringify(['d', dataId, this.now()]));
    this.forget(i);
    this.maybeCompact(bytes);
  }

  /** The data_id and record of the entry whose fingerprint has `alias` (see `MemoryOptions.alias`). */
  findByAlias(alias: string): [string, Remembered] | undefined {
    this.checkOpen();
    const i = this.table.findAlias(alias, this.hasAlias);
    if (i < 0 || this.expired(i, this.now())) return undefined;
    return [this.keyOf(i), { fingerprint: this.fingerprintOf(i), at: this.table.ats[i] }];
  }

  /** Whether `get` would find `dataId`, without building its answer. */
  has(dataId: string): boolean {
    this.checkOpen();
    const i = this.table.find(dataId, this.holds);
    return i >= 0 && !this.expired(i, this.now());
  }

  /**
   * Entries expired by now that are still held (they go at the next write), oldest first: lets
   * an owner keeping a view discount them without a purge, which would change what is written.
   */
  *expiredKeys(): Generator<string> {
    this.checkOpen();
    const now = this.now();
    const t = this.table;
    for (let i = t.head; i < t.tail; i++) {
      if (t.lens[i] < 0) continue;
      if (!this.expired(i, now)) return;
      yield this.keyOf(i);
    }
  }

  /** Live entries, oldest set first. */
  *live(): Generator<[string, Remembered]> {
    this.checkOpen();
    this.purgeExpired();
    const t = this.table;
    for (let i = t.head; i < t.tail; i++) {
      if (t.lens[i] >= 0) yield [this.keyOf(i), { fingerprint: this.fingerprintOf(i), at: t.ats[i] }];
    }
  }

  /** Entries remembered and not expired (expiry is checked from the oldest announced on). */
  size(): number {
    this.checkOpen();
    this.purgeExpired();
    return this.table.size;
  }

  /** Writes the lines deferred to the end of the turn, in one write; false (and reported) when it failed. */
  writeDeferred(): boolean {
    if (this.deferredBytes === 0 || this.closed) return true;
    try {
      this.writeAt(this.deferred, this.fileBytes - this.deferredBytes);
    } catch (error) {
      // the lines stay deferred: they are tried again at the next flush
      this.onDeferredError?.(error as Error);
      return false;
    }
    this.deferred = [];
    this.deferredBytes = 0;
    return true;
  }

  close(): void {
    if (this.closed) return;
    // after what they depend on in other files; what cannot be written was reported
    this.turn?.flush();
    this.closed = true;
    try {
      this.abandonRewrite();
      fs.closeSync(this.fd);
    } finally {
      releaseLock(this.file);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('announcement memory: closed');
  }

  private expired(i: number, now: number): boolean {
    return now - this.table.ats[i] >= this.maxAgeMs;
  }

  private remember(dataId: string, fingerprint: string, at: number, pos: number, bytes: number): void {
    const t = this.table;
    const before = t.find(dataId, this.holds);
    if (before >= 0) {
      this.liveBytes -= t.lens[before];
      t.remove(before);
    }
    t.add(dataId, fingerprint, at, pos, bytes, this.aliasOf?.(fingerprint));
    this.liveBytes += bytes;
    while (t.size > this.maxEntries) {
      const oldest = t.oldest();
      if (oldest < 0) break;
      this.forget(oldest);
    }
  }

  private forget(i: number): void {
    // not during recovery: the owner builds its view from `live()` once `open` returns
    const told = this.onForget !== undefined && this.recovered ? [this.keyOf(i), this.fingerprintOf(i)] : undefined;
    this.liveBytes -= this.table.lens[i];
    this.table.remove(i);
    if (told !== undefined) this.onForget?.(told[0], told[1]);
  }

  private purgeExpired(): void {
    const now = this.now();
    for (let oldest = this.table.oldest(); oldest >= 0 && this.expired(oldest, now); oldest = this.table.oldest()) {
      this.forget(oldest);
    }
  }

  private keyOf(i: number): string {
    return this.table.keys?.[i] ?? this.lineOf(i).key;
  }

  /**
   * Entry `i`'s data_id, for a lookup: a line that waits for the end of the turn is parsed where
   * it waits, so that looking a data_id up never writes the turn early (reading a fingerprint
   * kept on disk does, see `lineOf`).
   */
  private keyAt(i: number): string {
    const t = this.table;
    const cached = this.cachedLine(i);
    if (cached !== undefined) return cached.key;
    let at = this.fileBytes;
    if (this.deferredBytes === 0 || t.pos[i] < at - this.deferredBytes) return this.lineOf(i).key;
    for (let b = this.deferred.length - 1; b >= 0; b--) {
      const buf = this.deferred[b];
      at -= buf.length;
      if (at === t.pos[i]) return this.parseLine(buf, i).key;
    }
    throw new Error(`announcement memory: an entry's line is not among those waiting to be written to ${path.basename(this.file)}`);
  }

  private fingerprintOf(i: number): string {
    return this.table.fingerprints?.[i] ?? this.lineOf(i).fingerprint;
  }

  /** Entry `i`'s line, read back from the file (or the one read last, when it is that line). */
  private lineOf(i: number): Line {
    const cached = this.cachedLine(i);
    if (cached !== undefined) return cached;
    const pos = this.table.pos[i];
    const bytes = this.table.lens[i];
    if (pos >= this.fileBytes - this.deferredBytes) this.settle();
    const buf = Buffer.allocUnsafe(bytes);
    if (readFully(this.fd, buf, pos) !== bytes) throw new Error(`announcement memory: ${path.basename(this.file)} is shorter than its lines`);
    this.lastLine = this.parseLine(buf, i);
    return this.lastLine;
  }

  /** The line read back or set last, when it is entry `i`'s. */
  private cachedLine(i: number): Line | undefined {
    const last = this.lastLine;
    // a line is never rewritten in place: the same place in the same file is the same line
    return last !== undefined && last.pos === this.table.pos[i] && last.generation === this.generation ? last : undefined;
  }

  /** Entry `i`'s line (with its newline), checked to be an announcement of a data_id of its hash. */
  private parseLine(buf: Buffer, i: number): Line {
    const pos = this.table.pos[i];
    const text = buf.toString('utf8', 0, buf.length - 1);
    const line = announcement(JSON.parse(text));
    if (line === undefined || hashOf(line.key) !== this.table.hashes[i]) {
      throw new Error(`announcement memory: an entry's line is not where it was written in ${path.basename(this.file)} (at ${pos})`);
    }
    // a line read back is not kept beyond the next: the record's text may be a slice of it
    return { pos, generation: this.generation, key: line.key, fingerprint: fingerprintOf(line, text) };
  }

  /** The file holds every line counted: what waits for the end of the turn is written now. */
  private settle(): void {
    if (this.deferredBytes === 0) return;
    this.turn?.flush();
    if (this.deferredBytes > 0) throw new Error(`announcement memory: lines of ${path.basename(this.file)} are not on disk yet`);
  }

  /** Appends one line; returns its length. A partial write is cut off before the error goes up. */
  private writeLine(line: string): number {
    const buf = Buffer.from(line + '\n', 'utf8');
    if (this.turn !== undefined) {
      this.deferred.push(buf);
      this.deferredBytes += buf.length;
      this.fileBytes += buf.length;
      this.turn.defer(this);
      return buf.length;
    }
    this.writeAt([buf], this.fileBytes);
    this.fileBytes += buf.length;
    return buf.length;
  }

  /** Writes lines at `at`, the end of what is on disk; a partial write is cut off before the error goes up. */
  private writeAt(lines: Buffer[], at: number): void {
    try {
      writevFully(this.fd, lines, at);
    } catch (error) {
      try {
        fs.ftruncateSync(this.fd, at);
      } catch {
        // recovery drops a torn last line anyway; what matters is the caller sees the error
      }
      throw error;
    }
  }

  /** `written`: bytes just appended, which pay for a step of a rewrite under way. */
  private maybeCompact(written: number, atOnce = false): void {
    try {
      const r = this.rewrite;
      if (r !== undefined) {
        r.credit += REWRITE_PACE * written;
        if (r.credit < this.stepBytes) return;
        // a step reads the file up to its end
        this.settle();
        this.stepRewrite(r);
        return;
      }
      const threshold = 2 * (this.liveBytes + HEADER.length) + this.stepBytes;
      if (this.fileBytes <= threshold || this.fileBytes <= this.compactAfter) return;
      this.settle();
      this.beginRewrite(atOnce);
    } catch {
      // the line that triggered this is already written: its caller must not see a failure.
      // The file is just bigger than it should be; try again once it has grown some more.
      this.abandonRewrite();
      this.compactAfter = this.fileBytes + this.liveBytes + this.stepBytes;
    }
  }

  private beginRewrite(atOnce: boolean): void {
    this.purgeExpired();
    const t = this.table;
    const from = new Float64Array(t.size);
    const len = new Float64Array(t.size);
    let n = 0;
    let total = 0;
    for (let i = t.head; i < t.tail; i++) {
      if (t.lens[i] < 0) continue;
      from[n] = t.pos[i];
      len[n] = t.lens[i];
      total += t.lens[i];
      n++;
    }
    const tmp = `${this.file}.tmp`;
    // read as well as written: once renamed, it is the file the next rewrite reads
    const fd = fs.openSync(tmp, 'w+');
    const r: Rewrite = { fd, tmp, from: from.subarray(0, n), len: len.subarray(0, n), next: 0, tailFrom: this.fileBytes, cursor: this.fileBytes, size: 0, synced: 0, credit: 0, window: Buffer.allocUnsafe(this.stepBytes) };
    this.rewrite = r;
    writeFully(fd, HEADER, 0);
    r.size = HEADER.length;
    r.credit = atOnce || total <= REWRITE_AT_ONCE_STEPS * this.stepBytes ? Infinity : this.stepBytes;
    this.stepRewrite(r);
  }

  /** Copies what the credit allows; finishes once the copy has reached the end of the file. */
  private stepRewrite(r: Rewrite): void {
    const buf = r.window;
    while (r.credit > 0) {
      if (r.next < r.from.length) {
        // the next live lines that fit in the window, with the dead ones between them
        const start = r.from[r.next];
        let end = start + r.len[r.next];
        let j = r.next + 1;
        while (j < r.from.length && r.from[j] + r.len[j] - start <= buf.length) end = r.from[j] + r.len[j++];
        const span = end - start;
        const b = span <= buf.length ? buf : Buffer.allocUnsafe(span);
        if (readFully(this.fd, b.subarray(0, span), start) !== span) throw new Error('announcement memory: file shorter than its lines');
        let out = 0;
        for (let i = r.next; i < j; i++) {
          const at = r.from[i] - start;
          // moves bytes within one buffer correctly, as memmove does
          if (at !== out) b.copy(b, out, at, at + r.len[i]);
          out += r.len[i];
        }
        writeFully(r.fd, b.subarray(0, out), r.size);
        r.size += out;
        r.next = j;
        r.credit -= span;
      } else if (r.cursor < this.fileBytes) {
        const span = Math.min(buf.length, this.fileBytes - r.cursor);
        if (readFully(this.fd, buf.subarray(0, span), r.cursor) !== span) throw new Error('announcement memory: file shorter than written');
        writeFully(r.fd, buf.subarray(0, span), r.size);
        r.size += span;
        r.cursor += span;
        r.credit -= span;
      } else {
        this.finishRewrite(r);
        return;
      }
    }
    if (r.size - r.synced >= REWRITE_SYNC_EVERY) {
      fs.fdatasyncSync(r.fd);
      r.synced = r.size;
    }
    r.credit = 0;
  }

  private finishRewrite(r: Rewrite): void {
    fs.fsyncSync(r.fd);
    // worked out before the rename, so that a surprise leaves the old file in use
    const places = this.placesIn(r);
    fs.renameSync(r.tmp, this.file);
    this.rewrite = undefined;
    const old = this.fd;
    this.fd = r.fd;
    this.fileBytes = r.size;
    this.compactAfter = 0;
    this.generation++;
    const t = this.table;
    let n = 0;
    for (let i = t.head; i < t.tail; i++) {
      if (t.lens[i] >= 0) t.pos[i] = places[n++];
    }
    // closing the last descriptor of the replaced file frees its blocks (measured: 30 ms for
    // 140 MB), which the thread pool can do
    fs.close(old, () => {
      // nothing more to do with it
    });
    fsyncDirectory(path.dirname(this.file));
  }

  /** Where each live line is in the new file, in announcement order. */
  private placesIn(r: Rewrite): Float64Array {
    const t = this.table;
    const places = new Float64Array(t.size);
    // the lines written since it began follow the copied ones
    const shift = r.size - (r.cursor - r.tailFrom) - r.tailFrom;
    let n = 0;
    let i = 0;
    let at = HEADER.length;
    for (let q = t.head; q < t.tail; q++) {
      if (t.lens[q] < 0) continue;
      const pos = t.pos[q];
      if (pos >= r.tailFrom) {
        places[n++] = pos + shift;
        continue;
      }
      // live now and written before: it was live when the rewrite began, so it was copied
      while (i < r.from.length && r.from[i] !== pos) at += r.len[i++];
      if (i === r.from.length) throw new Error('announcement memory: a live line was not copied');
      places[n++] = at;
    }
    return places;
  }

  private abandonRewrite(): void {
    const r = this.rewrite;
    if (r === undefined) return;
    this.rewrite = undefined;
    try {
      fs.closeSync(r.fd);
      fs.rmSync(r.tmp, { force: true });
    } catch {
      // never in the way of the caller: recovery deletes a temp file left behind
    }
  }

  private recover(): void {
    fs.rmSync(`${this.file}.tmp`, { force: true });
    try {
      this.fd = fs.openSync(this.file, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.fd = fs.openSync(this.file, 'wx+');
    }
    const size = fs.fstatSync(this.fd).size;
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    // bytes of a line that started in an earlier chunk
    let carry: Buffer[] = [];
    let lineStart = 0;
    let lineNo = 0;
    for (let pos = 0; pos < size; ) {
      const n = fs.readSync(this.fd, chunk, 0, Math.min(READ_CHUNK, size - pos), pos);
      if (n === 0) break;
      let from = 0;
      for (let nl = chunk.indexOf(NEWLINE, 0); nl !== -1 && nl < n; nl = chunk.indexOf(NEWLINE, from)) {
        const piece = chunk.subarray(from, nl);
        const line = carry.length === 0 ? piece : Buffer.concat([...carry, piece]);
        carry = [];
        lineNo++;
        this.replay(line, lineNo, lineStart, pos + nl + 1 - lineStart);
        from = nl + 1;
        lineStart = pos + from;
      }
      // copied: the chunk buffer is reused by the next read
      if (from < n) carry.push(Buffer.from(chunk.subarray(from, n)));
      pos += n;
    }
    if (lineStart < size) {
      this.recoveryWarnings.push(`${path.basename(this.file)}: torn last line (${size - lineStart} bytes after the last newline), cut off`);
      fs.ftruncateSync(this.fd, lineStart);
    }
    this.fileBytes = lineStart;
    if (this.fileBytes === 0) {
      writeFully(this.fd, HEADER, 0);
      this.fileBytes = HEADER.length;
    }
    this.purgeExpired();
    // nothing waits on the memory yet: a rewrite now is done at once
    this.maybeCompact(0, true);
    this.recovered = true;
  }

  private replay(line: Buffer, lineNo: number, pos: number, bytes: number): void {
    const where = `${path.basename(this.file)} line ${lineNo}`;
    const text = line.toString('utf8');
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      this.recoveryWarnings.push(`${where}: not JSON, skipped`);
      return;
    }
    if (!Array.isArray(record)) {
      this.recoveryWarnings.push(`${where}: not a memory record, skipped`);
      return;
    }
    const r = record as unknown[];
    const a = announcement(r);
    if (a !== undefined && a.at !== null) {
      // with `keepOnDisk` the text is only read for the alias, not kept: a slice of the line will do
      this.remember(a.key, fingerprintOf(a, this.onDisk ? text : undefined), a.at, pos, bytes);
    } else if (r.length === 3 && r[0] === 'd' && typeof r[1] === 'string') {
      const i = this.table.find(r[1], this.holds);
      if (i >= 0) this.forget(i);
    } else if (!(r.length === 2 && r[0] === 'wis2-memory' && r[1] === 1)) {
      this.recoveryWarnings.push(`${where}: not a memory record, skipped`);
    }
  }
}

/**
 * What a memory file says was announced, read without taking its lock: another process (the
 * runtime) may be writing it, so a torn last line is skipped and nothing is written. For tools
 * that only look (reconciliation), never to decide an announcement.
 */
export async function readMemorySnapshot(file: string, maxAgeMs = 30 * 24 * 3600 * 1000, now = Date.now()): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const r of readJsonLines(file)) {
    if (!Array.isArray(r)) continue;
    const a = announcement(r);
    const [kind, dataId] = r as unknown[];
    if (a !== undefined && a.at !== null) {
      // re-inserted so the Map's order stays announcement order, like the memory's own
      out.delete(a.key);
      if (now - a.at < maxAgeMs) out.set(a.key, fingerprintOf(a));
    } else if (kind === 'd' && typeof dataId === 'string') out.delete(dataId);
  }
  return out;
}
