import { EventEmitter } from 'node:events';
import type { Journal } from './journal';
import { encodeHeader } from './inbox-record';

/**
 * Notifications on their way to a broker. A record counts as sent only when the broker has
 * acknowledged it (PUBACK); until then it waits in a journal on disk, so neither a broker
 * that is away nor a runtime that is killed loses it. Records leave in the order they came,
 * at most `window` at a time.
 */
export interface OutboxRecord {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  contentType?: string;
}

/** What the outbox needs of an MQTT client (mqtt.js's MqttClient has it). */
export interface PublishTarget {
  readonly connected: boolean;
  publish(
    topic: string,
    payload: Buffer,
    options: { qos: 0 | 1 | 2; retain: boolean; properties?: { contentType?: string } },
    callback: (error?: Error & { code?: number }) => void,
  ): unknown;
  on(event: 'connect', listener: () => void): unknown;
  removeListener(event: 'connect', listener: () => void): unknown;
}

const HEADER = 4;

/**
 * 8 MiB of payloads: some eleven thousand notifications of the Argo flow's size (about 750
 * bytes each), twice what a burst of 5,000 events leaves waiting for the in-flight window.
 */
export const FRESH_MAX_BYTES = 8 * 1024 * 1024;

/** [4-byte header length][header JSON][payload bytes]: the payload stays byte-exact. */
export function encodeRecord(r: OutboxRecord): Buffer {
  const header = encodeHeader(r);
  const out = Buffer.allocUnsafe(HEADER + header.length + r.payload.length);
  out.writeUInt32BE(header.length, 0);
  header.copy(out, HEADER);
  r.payload.copy(out, HEADER + header.length);
  return out;
}

export function decodeRecord(b: Buffer): OutboxRecord {
  const len = b.readUInt32BE(0);
  const h = JSON.parse(b.subarray(HEADER, HEADER + len).toString('utf8')) as { t: string; q: 0 | 1 | 2; r: boolean; c?: string };
  const record: OutboxRecord = { topic: h.t, qos: h.q, retain: h.r, payload: b.subarray(HEADER + len) };
  if (h.c !== undefined) record.contentType = h.c;
  return record;
}

export interface OutboxStats {
  connected: boolean;
  /** waiting on disk, acknowledged not yet (in flight included) */
  queued: number;
  inflight: number;
  /** acknowledged by the broker since this outbox opened */
  sent: number;
  /** refused by the broker (e.g. not authorised) and taken out of the queue */
  refused: number;
}

/**
 * Emits 'sent' (seq, record) once a record is acknowledged, 'refused' (seq, record, error)
 * when the broker refuses it for good, 'flushing' just before the acknowledgements gathered in
 * a turn of the event loop are written down (what records them elsewhere writes first), and
 * 'warning' (error) when they could not be written down. How many records wait is read from
 * `stats()` when it is wanted, not announced at each change.
 */
export class Outbox extends EventEmitter {
  private readonly inflight = new Set<number>();
  /**
   * Records enqueued by this process and not yet handed to the client, kept so that sending
   * one does not read back from disk what was written a moment ago. Bounded in bytes, not in
   * records: a burst of thousands waits for the window without a read (and a parse) each, and
   * while the broker is away what passes the bound waits on disk only.
   */
  private readonly fresh = new Map<number, OutboxRecord>();
  private freshBytes = 0;
  /**
   * Acknowledged by the broker, not yet marked in the journal: marked together once per turn
   * of the event loop, one write for a burst of PUBACKs. A process killed before that sends
   * these again after its restart, the same bytes under the same id, which brokers drop.
   */
  private readonly acked = new Set<number>();
  private ackTimer: NodeJS.Immediate | undefined;
  /** highest sequence number handed to the client so far */
  private cursor = 0;
  private sentCount = 0;
  private refusedCount = 0;
  private closed = false;
  private readonly onConnect = (): void => {
    this.pump();
  };

  constructor(
    private readonly journal: Journal,
    private readonly client: PublishTarget,
    private readonly window = 64,
    /** payload bytes of the records kept in memory until they are sent */
    private readonly freshMaxBytes = FRESH_MAX_BYTES,
  ) {
    super();
    client.on('connect', this.onConnect);
  }

  /** Writes the record to disk and sends it when its turn comes; throws when the journal is full. */
  enqueue(record: OutboxRecord): number {
    // the payload kept is a view of the journal's record, this outbox's own: the caller may reuse
    // or change its buffer
    const { seq, payload } = this.journal.appendFramed(encodeHeader(record), record.payload);
    if (this.freshBytes + payload.length <= this.freshMaxBytes) {
      this.freshBytes += payload.length;
      const own: OutboxRecord = { topic: record.topic, qos: record.qos, retain: record.retain, payload };
      if (record.contentType !== undefined) own.contentType = record.contentType;
      this.fresh.set(seq, own);
    }
    this.pump();
    return seq;
  }

  stats(): OutboxStats {
    return {
      connected: this.client.connected,
      queued: this.journal.pending() - this.acked.size,
      inflight: this.inflight.size,
      sent: this.sentCount,
      refused: this.refusedCount,
    };
  }

  /** Hands waiting records to the client while it is connected and the window has room. */
  pump(): void {
    if (this.closed || !this.client.connected) return;
    const room = this.window - this.inflight.size;
    if (room <= 0) return;
    for (const seq of this.journal.unacked(this.cursor + 1, room)) {
      this.cursor = seq;
      if (this.inflight.has(seq) || this.acked.has(seq)) continue;
      this.dispatch(seq);
    }
  }

  private dispatch(seq: number): void {
    const cached = this.fresh.get(seq);
    if (cached !== undefined) {
      this.fresh.delete(seq);
      this.freshBytes -= cached.payload.length;
    }
    const record = cached ?? decodeRecord(this.journal.read(seq));
    this.inflight.add(seq);
    const options: { qos: 0 | 1 | 2; retain: boolean; properties?: { contentType?: string } } = { qos: record.qos, retain: record.retain };
    if (record.contentType !== undefined) options.properties = { contentType: record.contentType };
    // mqtt.js keeps an unacknowledged publish across reconnections and resends it itself, so the
    // callback comes once: with the PUBACK, or with an error that ends this attempt.
    this.client.publish(record.topic, record.payload, options, (error) => {
      this.inflight.delete(seq);
      if (this.closed) return;
      if (!error) {
        this.markDone(seq);
        this.sentCount++;
        this.emit('sent', seq, record);
      } else if (typeof error.code === 'number' && error.code >= 0x80) {
        // an MQTT 5 refusal (not authorised, topic name invalid…): retrying would block the queue
        this.markDone(seq);
        this.refusedCount++;
        this.emit('refused', seq, record, error);
      } else {
        // the attempt ended without an answer: send it again from here
        this.cursor = Math.min(this.cursor, seq - 1);
      }
      this.pump();
    });
  }

  private markDone(seq: number): void {
    this.acked.add(seq);
    this.ackTimer ??= setImmediate(() => {
      this.ackTimer = undefined;
      this.flush();
    });
  }

  /**
   * Writes down the acknowledgements gathered so far (it happens by itself within a turn of
   * the event loop). A failed write loses nothing: those records go out again after a restart.
   */
  flush(): void {
    if (this.acked.size === 0) return;
    const seqs = [...this.acked];
    this.acked.clear();
    this.emit('flushing');
    try {
      this.journal.ackMany(seqs);
    } catch (error) {
      this.emit('warning', error);
    }
  }

  close(): void {
    if (this.ackTimer) clearImmediate(this.ackTimer);
    this.ackTimer = undefined;
    this.flush();
    this.closed = true;
    this.fresh.clear();
    this.freshBytes = 0;
    this.client.removeListener('connect', this.onConnect);
  }
}
