/**
 * Which received messages the flow is done with, whatever nodes the flow holds.
 *
 * A message a reliable input receives stays in its journal until every copy of it has ended
 * somewhere: the runtime reports each copy on its way to a node (`delivering`), each copy a node
 * receives without a wire (`received` without a prior delivery: link nodes, Catch, Complete) and
 * each copy a node has finished with (`completed`, Node-RED's `done()`). A message finishes when
 * no copy of it is on its way or held by a node.
 *
 * Nodes that never call `done()` (the core `switch` and `filter` among them) are read by what
 * they send: such a node is taken to handle its messages in the order they came, so sending one
 * ends it and every earlier one it held (those it dropped), and a node quiet for `quietMs` has
 * dropped whatever it still held.
 *
 * Plain TypeScript: the Node-RED hooks that feed it live in nodes/common/settle.ts.
 */

/**
 * The message property that carries a followed message's key: a plain string, which survives
 * Node-RED's message cloning.
 */
export const ACK_PROPERTY = '_wis2ack';

/** Where a copy of a message was last seen: a node of the flow. */
export interface Place {
  id: string;
  type: string;
  name?: string;
}

interface Entry {
  /** copies on their way to a node or held by one */
  copies: number;
  finish: () => void;
  /** runs once, when a node first takes in a copy (or at the finish, when none ever did) */
  taken: (() => void) | undefined;
  since: number;
  where?: Place;
  reported: boolean;
}

interface Held {
  key: string;
  msg: object;
}

/** The copies a node that never calls done() still holds, oldest first. */
interface Holder {
  held: Held[];
  lastActive: number;
}

export interface Unfinished {
  key: string;
  ageMs: number;
  where?: Place;
}

export interface InFlightOptions {
  now?: () => number;
  /** runs a callback once the current turn of the event loop is over */
  defer?: (callback: () => void) => void;
  /** how long a node that never calls done() may keep quiet before what it holds counts as dropped */
  quietMs?: number;
}

export class InFlight {
  private readonly entries = new Map<string, Entry>();
  /** copies the runtime has dispatched and their node has not received yet, per message object */
  private readonly dispatched = new WeakMap<object, number>();
  private readonly holders = new Map<string, Holder>();
  private readonly zero = new Set<string>();
  private flushing = false;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly defer: (callback: () => void) => void;
  readonly quietMs: number;

  constructor(options: InFlightOptions = {}) {
    this.now = options.now ?? Date.now;
    this.defer = options.defer ?? ((callback) => {
      setImmediate(callback);
    });
    this.quietMs = options.quietMs ?? 1000;
  }

  /**
   * Starts following a received message: `finish` runs once no copy of it is left. A message
   * sent nowhere finishes at the end of this turn. `taken` runs once a node has received a copy,
   * or just before `finish` when no node ever did.
   */
  open(key: string, finish: () => void, taken?: () => void): void {
    this.entries.set(key, { copies: 0, finish, taken, since: this.now(), reported: false });
    this.drop(key, 0);
  }

  /** A copy is on its way to a node; `from` is the node that sent it. */
  delivering(key: string, msg: object, from: string | undefined): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.copies++;
      this.dispatched.set(msg, (this.dispatched.get(msg) ?? 0) + 1);
    }
    if (from !== undefined) this.sentBy(from, key, msg);
  }

  /**
   * A node got a copy. `reportsDone` is false for a node that never calls done(): it holds the
   * copy until it sends it on, sends a later one, or keeps quiet.
   */
  received(key: string, msg: object, place: Place, reportsDone: boolean): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.taken !== undefined) {
      const taken = entry.taken;
      entry.taken = undefined;
      taken();
    }
    const pending = this.dispatched.get(msg);
    if (pending === undefined) entry.copies++;
    else if (pending > 1) this.dispatched.set(msg, pending - 1);
    else this.dispatched.delete(msg);
    entry.where = place;
    if (reportsDone) return;
    const holder = this.holders.get(place.id) ?? { held: [], lastActive: 0 };
    holder.held.push({ key, msg });
    holder.lastActive = this.now();
    this.holders.set(place.id, holder);
    this.sweeper ??= setInterval(() => {
      this.sweep();
    }, Math.max(10, this.quietMs / 2)).unref();
  }

  /** A node called done() for a copy. */
  completed(key: string): void {
    this.drop(key, 1);
  }

  /** Stops following the messages whose key starts with `prefix` (their input stopped). */
  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  /** Messages of `prefix` unfinished for `limitMs` or longer and not reported before, now marked reported. */
  overdue(prefix: string, limitMs: number): Unfinished[] {
    const now = this.now();
    const out: Unfinished[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.reported || now - entry.since < limitMs || !key.startsWith(prefix)) continue;
      entry.reported = true;
      out.push(entry.where ? { key, ageMs: now - entry.since, where: entry.where } : { key, ageMs: now - entry.since });
    }
    return out;
  }

  /** Releases what nodes that never call done() hold after `quietMs` without receiving or sending. */
  sweep(): void {
    const now = this.now();
    for (const [id, holder] of this.holders) {
      if (now - holder.lastActive < this.quietMs) continue;
      this.holders.delete(id);
      for (const h of holder.held) this.drop(h.key, 1);
    }
    if (this.holders.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Keys of the messages still followed: empty once the flow has settled every one. */
  pending(): string[] {
    return [...this.entries.keys()];
  }

  /** A node that never calls done() sent `msg`: it is done with it and with every copy it got before. */
  private sentBy(id: string, key: string, msg: object): void {
    const holder = this.holders.get(id);
    if (!holder) return;
    holder.lastActive = this.now();
    let at = holder.held.findIndex((h) => h.msg === msg);
    // a new message object carrying the same key stands for the one it was made from
    if (at < 0) at = holder.held.findIndex((h) => h.key === key);
    if (at < 0) return;
    const ended = holder.held.splice(0, at + 1);
    if (holder.held.length === 0) this.holders.delete(id);
    for (const h of ended) this.drop(h.key, 1);
  }

  private drop(key: string, by: number): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.copies -= by;
    if (entry.copies > 0) return;
    // Checked once the turn is over: a node often calls done() before the copies it sent, or a
    // Catch node's copy of an error, have reached their next node.
    this.zero.add(key);
    if (this.flushing) return;
    this.flushing = true;
    this.defer(() => {
      this.flush();
    });
  }

  private flush(): void {
    this.flushing = false;
    const keys = [...this.zero];
    this.zero.clear();
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (!entry || entry.copies > 0) continue;
      this.entries.delete(key);
      entry.taken?.();
      entry.finish();
    }
  }
}
