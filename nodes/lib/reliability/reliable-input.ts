import { decode, encodeHeader, type Received } from './inbox-record';
import { ACK_PROPERTY, type InFlight, type Place } from './inflight';
import type { Journal } from './journal';

/** What the input needs of an MQTT client (mqtt.js's MqttClient has it). */
export interface InputClient {
  readonly connected: boolean;
  subscribe(topic: string, options: { qos: 0 | 1 | 2 }, callback: (err: Error | null) => void): unknown;
  on(event: 'message', listener: (topic: string, payload: Buffer, packet: InputPacket) => void): unknown;
  on(event: 'connect', listener: () => void): unknown;
  removeListener(event: 'message', listener: (topic: string, payload: Buffer, packet: InputPacket) => void): unknown;
  removeListener(event: 'connect', listener: () => void): unknown;
}

export interface InputPacket {
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: { contentType?: string; userProperties?: Received['userProperties'] };
}

/** A message the input sends into the flow. */
export interface InputMessage {
  topic: string;
  payload: Buffer | string;
  qos: number;
  retain: boolean;
  contentType?: string;
  userProperties?: Received['userProperties'];
  [ACK_PROPERTY]?: string;
  /** a flow adds what it likes */
  [property: string]: unknown;
}

/** Messages one node kept past the limit, as reported. */
export interface OverdueGroup {
  where?: Place;
  seqs: number[];
  ageMs: number;
  /** of the first of them, when the journal still has it */
  topic: string;
}

/** What the input tells its node: each is a message out, a log line, a metric or a status to redraw. */
export interface InputEvents {
  send(msg: InputMessage): void;
  counted(kind: 'received' | 'replayed'): void;
  /** something the status shows besides the counts changed */
  changed(): void;
  journalError(err: Error): void;
  subscribed(subscription: string): void;
  subscribeFailed(subscription: string, err: Error): void;
  replaying(count: number): void;
  overdue(groups: OverdueGroup[]): void;
}

export interface ReliableInputSettings {
  /** whether a message on this topic is for this input (one connection carries every subscription) */
  accepts: (topic: string) => boolean;
  subscription: string;
  qos: 0 | 1 | 2;
  asText: boolean;
  /** after how long an unfinished message is reported */
  stuckMs: number;
  /** messages received and not finished beyond which the connection stops reading */
  maxOpen?: number;
  /** payload bytes received and not yet taken in by any node beyond which the connection stops reading */
  readAheadBytes?: number;
  /** keys of this input's messages start with it: unique per run */
  prefix: string;
}

export interface InputTimers {
  /** once the current turn of the event loop is over */
  defer(callback: () => void): { cancel(): void };
  /** soon, after the caller has finished setting up */
  soon(callback: () => void): { cancel(): void };
  every(ms: number, callback: () => void): { cancel(): void };
}

const realTimers: InputTimers = {
  defer: (callback) => {
    const t = setImmediate(callback);
    return { cancel: () => { clearImmediate(t); } };
  },
  soon: (callback) => {
    const t = setTimeout(callback, 0);
    return { cancel: () => { clearTimeout(t); } };
  },
  every: (ms, callback) => {
    const t = setInterval(callback, ms);
    t.unref();
    return { cancel: () => { clearInterval(t); } };
  },
};

/**
 * How far the input reads ahead of the flow, in payload bytes. In a burst the socket brings
 * messages faster than the flow takes them in; read without this bound, up to `maxOpen` of them
 * waited in the runtime, long enough for V8 to move them to the old generation, which the major
 * collections then mark. Measured over the bench's 25,000 Argo events (2 kB each) through the
 * Argo flow, three runs each: V8's helper threads 1,267 ms of CPU instead of 1,447, peak RSS
 * 378 MiB instead of 445. Counted in bytes, two socket reads' worth (Node reads 64 KiB at a
 * time), so that the small messages of one read are all acknowledged in the write of that
 * turn. The broker holds the rest, as it does past `maxOpen`.
 */
export const READ_AHEAD_BYTES = 128 * 1024;

/**
 * A reliable MQTT input: every message is written to the inbox journal before the broker gets
 * its PUBACK, and stays there until all that it became is finished downstream (the settle
 * registry says when); a killed runtime replays what was not finished.
 */
export class ReliableInput {
  private openCount = 0;
  private readonly maxOpen: number;
  private readonly readAheadBytes: number;
  /** payload bytes received that no node has taken in yet */
  private untakenBytes = 0;
  private takenTimer: { cancel(): void } | undefined;
  /** reported as unfinished for too long, and still unfinished */
  private readonly late = new Set<number>();
  private closed = false;
  private finished: number[] = [];
  private ackTimer: { cancel(): void } | undefined;
  private readonly replayTimer: { cancel(): void };
  private readonly overdueTimer: { cancel(): void };
  private readonly onMessage = (t: string, payload: Buffer, packet: InputPacket): void => { this.receive(t, payload, packet); };
  private readonly subscribe = (): void => {
    const { subscription, qos } = this.settings;
    this.client.subscribe(subscription, { qos }, (err) => {
      if (err) this.events.subscribeFailed(subscription, err);
      else this.events.subscribed(subscription);
    });
  };

  constructor(
    private readonly client: InputClient,
    private readonly inbox: Journal,
    private readonly registry: InFlight,
    private readonly settings: ReliableInputSettings,
    private readonly events: InputEvents,
    /** the broker may read further messages */
    private readonly wake: () => void,
    private readonly timers: InputTimers = realTimers,
  ) {
    this.maxOpen = settings.maxOpen ?? 1000;
    this.readAheadBytes = settings.readAheadBytes ?? READ_AHEAD_BYTES;
    client.on('message', this.onMessage);
    client.on('connect', this.subscribe);
    if (client.connected) this.subscribe();
    // what the last run received but did not finish goes through again, in order
    this.replayTimer = timers.soon(() => { this.replay(); });
    this.overdueTimer = timers.every(Math.min(10_000, Math.max(250, settings.stuckMs / 4)), () => { this.reportOverdue(); });
  }

  /** Received and not finished. */
  get unfinished(): number {
    return this.openCount;
  }

  /** Too many unfinished: the connection reads no further message. */
  get full(): boolean {
    return this.openCount >= this.maxOpen;
  }

  /** Full, or read far enough ahead of the flow: the connection reads no further message for now. */
  get busy(): boolean {
    return this.full || this.untakenBytes >= this.readAheadBytes;
  }

  get overdue(): number {
    return this.late.size;
  }

  close(): void {
    this.closed = true;
    this.replayTimer.cancel();
    this.overdueTimer.cancel();
    this.takenTimer?.cancel();
    this.client.removeListener('message', this.onMessage);
    this.client.removeListener('connect', this.subscribe);
    this.registry.forget(this.settings.prefix);
    // what this input still held is replayed by the next one, which counts it again
    this.openCount = 0;
    this.ackTimer?.cancel();
    // forget() above ended every finish callback: nothing adds to `finished` after this
    this.ackFinished();
    this.inbox.close();
  }

  private receive(t: string, payload: Buffer, packet: InputPacket): void {
    if (this.closed || !this.settings.accepts(t)) return;
    const r: Received = { topic: t, payload, qos: packet.qos, retain: packet.retain };
    const props = packet.properties;
    if (props?.contentType !== undefined) r.contentType = props.contentType;
    if (props?.userProperties !== undefined) r.userProperties = props.userProperties;
    let seq: number;
    try {
      seq = this.inbox.appendFramed(encodeHeader(r), payload).seq;
    } catch (err) {
      // A full journal: the message is still processed, but a crash now could lose it.
      this.events.journalError(err as Error);
      this.events.send({ topic: t, payload: this.settings.asText ? payload.toString('utf8') : payload, qos: packet.qos, retain: packet.retain });
      this.events.counted('received');
      return;
    }
    this.emit(seq, r);
    this.events.counted('received');
  }

  private emit(seq: number, r: Received): void {
    const key = this.settings.prefix + String(seq);
    this.openCount++;
    const bytes = r.payload.length;
    this.untakenBytes += bytes;
    if (this.openCount === this.maxOpen) this.events.changed();
    this.registry.open(key, () => {
      if (this.openCount === this.maxOpen || this.late.delete(seq)) this.events.changed();
      this.openCount--;
      this.finished.push(seq);
      this.ackTimer ??= this.timers.defer(() => { this.ackFinished(); });
      this.wake();
    }, () => { this.taken(bytes); });
    const msg: InputMessage = {
      topic: r.topic,
      payload: this.settings.asText ? r.payload.toString('utf8') : r.payload,
      qos: r.qos,
      retain: r.retain,
      [ACK_PROPERTY]: key,
    };
    if (r.contentType !== undefined) msg.contentType = r.contentType;
    if (r.userProperties !== undefined) msg.userProperties = r.userProperties;
    this.events.send(msg);
  }

  /** A node took in a message of `bytes`: once under the read-ahead, the broker may read again (after this turn). */
  private taken(bytes: number): void {
    const before = this.untakenBytes;
    this.untakenBytes -= bytes;
    if (before >= this.readAheadBytes && this.untakenBytes < this.readAheadBytes) {
      this.takenTimer ??= this.timers.defer(() => {
        this.takenTimer = undefined;
        this.wake();
      });
    }
  }

  /**
   * Finished messages are acknowledged in the journal together, once per turn of the event
   * loop: one write for a burst instead of one each. One killed before that is replayed, and
   * what it became is known by then (its notification queued, its file remembered).
   */
  private ackFinished(): void {
    this.ackTimer = undefined;
    const seqs = this.finished;
    this.finished = [];
    if (seqs.length === 0) return;
    try {
      this.inbox.ackMany(seqs);
    } catch (err) {
      // nothing is lost: these messages are replayed at the next start
      this.events.journalError(err as Error);
    }
  }

  private replay(): void {
    const unfinished = this.inbox.unacked();
    if (unfinished.length > 0) this.events.replaying(unfinished.length);
    for (const seq of unfinished) {
      if (this.closed) return;
      this.emit(seq, decode(this.inbox.read(seq)));
      this.events.counted('replayed');
    }
  }

  /**
   * Messages no node has finished with for too long are named once, grouped by the node that
   * has them: a user's node that keeps messages (and never calls done) shows up here.
   */
  private reportOverdue(): void {
    const { prefix, stuckMs } = this.settings;
    const overdue = this.registry.overdue(prefix, stuckMs);
    if (overdue.length === 0) return;
    const byNode = new Map<string, OverdueGroup>();
    for (const u of overdue) {
      const seq = Number(u.key.slice(prefix.length));
      this.late.add(seq);
      const id = u.where?.id ?? '';
      const group = byNode.get(id) ?? (u.where ? { where: u.where, seqs: [], ageMs: u.ageMs, topic: '' } : { seqs: [], ageMs: u.ageMs, topic: '' });
      group.seqs.push(seq);
      group.ageMs = Math.max(group.ageMs, u.ageMs);
      byNode.set(id, group);
    }
    for (const g of byNode.values()) {
      try {
        g.topic = decode(this.inbox.read(g.seqs[0] ?? 0)).topic;
      } catch {
        // the topic only helps the reader; the report goes out without it
      }
    }
    this.events.overdue([...byNode.values()]);
    this.events.changed();
  }
}
