import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { DEAD_LETTERS, SOURCE_TOPIC, distinctEventMaker, sleep } from '../reliability/harness';
import { isRecord } from '../../nodes/lib/core/json';

/**
 * What goes into the runtime and what comes out of it. Every event is known by the file it
 * announces (its asset href): the Argo flow's notification links to that very href, and the
 * pass-through flow's output is the event itself, so an output is matched to its event by
 * content, whatever the order and whatever got lost or repeated on the way.
 */

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The hrefs of a CloudEvent's STAC assets: the files it announces. */
export function assetHrefs(event: unknown): string[] {
  if (!isRecord(event) || !isRecord(event.data) || !isRecord(event.data.assets)) return [];
  return Object.values(event.data.assets).flatMap((a) => (isRecord(a) && typeof a.href === 'string' ? [a.href] : []));
}

/** The hrefs of a WIS2 notification's links: its canonical link is the file itself. */
export function linkHrefs(wnm: unknown): string[] {
  if (!isRecord(wnm) || !Array.isArray(wnm.links)) return [];
  return wnm.links.flatMap((l: unknown) => (isRecord(l) && typeof l.href === 'string' ? [l.href] : []));
}

/** A half-open range of event numbers in a pool. */
export interface Span {
  from: number;
  to: number;
}

/** Spans up to this long are made when taken (see Pool.take). */
const EAGER = 100_000;

/**
 * Distinct, valid Argo file events (test/reliability/harness.ts distinctEventMaker), each with the
 * times it was published and its output arrived: a runtime remembers what it announced, so
 * the phases of one runtime each take fresh events from here.
 */
export class Pool {
  readonly size: number;
  readonly publishedAt: Float64Array;
  /** when its output (notification, or copy) arrived; NaN while none */
  readonly arrivedAt: Float64Array;
  /** when it came back as a dead letter instead; NaN while not */
  readonly refusedAt: Float64Array;
  /** made and not yet published */
  private readonly made = new Map<number, Buffer>();
  private readonly byHref = new Map<string, number>();
  private readonly make = distinctEventMaker();
  private next = 0;

  constructor(size: number) {
    this.size = size;
    this.publishedAt = new Float64Array(size).fill(NaN);
    this.arrivedAt = new Float64Array(size).fill(NaN);
    this.refusedAt = new Float64Array(size).fill(NaN);
  }

  /**
   * The next `n` unused events. Up to EAGER of them are made now, so that making them costs
   * the phase that sends them nothing; a longer span (a soak of a million events would hold
   * gigabytes) has each event made as it is sent, and forgotten once sent.
   */
  take(n: number): Span {
    if (this.next + n > this.size) throw new Error(`the event pool (${this.size}) is too small`);
    const span = { from: this.next, to: this.next + n };
    this.next += n;
    if (n <= EAGER) for (let i = span.from; i < span.to; i++) this.made.set(i, this.makeEvent(i));
    return span;
  }

  /** The bytes of event `i`, handed over once: the pool keeps only its href and times. */
  publish(i: number): Buffer {
    const made = this.made.get(i);
    this.made.delete(i);
    return made ?? this.makeEvent(i);
  }

  private makeEvent(i: number): Buffer {
    const event = this.make(i);
    for (const href of assetHrefs(JSON.parse(event.toString('utf8')))) this.byHref.set(href, i);
    return event;
  }

  /** The event one of these hrefs names, if any. */
  find(hrefs: readonly string[]): number | undefined {
    for (const h of hrefs) {
      const i = this.byHref.get(h);
      if (i !== undefined) return i;
    }
    return undefined;
  }

  settled(i: number): boolean {
    return !Number.isNaN(this.arrivedAt[i] ?? NaN) || !Number.isNaN(this.refusedAt[i] ?? NaN);
  }

  countSettled(span: Span): number {
    let n = 0;
    for (let i = span.from; i < span.to; i++) if (this.settled(i)) n++;
    return n;
  }

  countRefused(span: Span): number {
    let n = 0;
    for (let i = span.from; i < span.to; i++) if (!Number.isNaN(this.refusedAt[i] ?? NaN)) n++;
    return n;
  }

  /** Publish-to-arrival times of the span's events that arrived, in milliseconds, in publish order. */
  latencies(span: Span): number[] {
    return this.timings(span).map(([a, b]) => b - a);
  }

  /** [published, arrived] of the span's events that arrived, in milliseconds, in publish order. */
  timings(span: Span): [number, number][] {
    const out: [number, number][] = [];
    for (let i = span.from; i < span.to; i++) {
      const a = this.publishedAt[i] ?? NaN;
      const b = this.arrivedAt[i] ?? NaN;
      if (Number.isFinite(a) && Number.isFinite(b)) out.push([a, b]);
    }
    return out;
  }

  /** When the last of the span's events settled (NaN compares false, so the unsettled are skipped). */
  lastSettled(span: Span): number {
    let last = -Infinity;
    for (let i = span.from; i < span.to; i++) {
      const arrived = this.arrivedAt[i] ?? NaN;
      const refused = this.refusedAt[i] ?? NaN;
      if (arrived > last) last = arrived;
      if (refused > last) last = refused;
    }
    return last;
  }

  firstPublished(span: Span): number {
    let first = Infinity;
    for (let i = span.from; i < span.to; i++) {
      const t = this.publishedAt[i] ?? NaN;
      if (t < first) first = t;
    }
    return first;
  }
}

async function connect(url: string, role: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId: `wis2-bench-${role}-${process.pid}-${Date.now()}`, clean: true, reconnectPeriod: 0 });
  // Without this, Nagle's algorithm can hold a small packet until the previous one is
  // acknowledged (tens of ms): the instruments must not add latency of their own.
  const stream = client.stream as { setNoDelay?: (on: boolean) => void } | undefined;
  stream?.setNoDelay?.(true);
  return client;
}

/** Counts of outputs that matched no event of the pool, or an event that had already arrived. */
export interface Oddities {
  strangers: number;
  repeats: number;
  refusals: Map<string, number>;
}

/**
 * The Global Broker's seat: one connection subscribed to the flow's output (and, for the
 * Argo flow, its dead letters), stamping each message with its arrival time.
 */
export class Tap {
  readonly oddities: Oddities = { strangers: 0, repeats: 0, refusals: new Map() };
  /** called with the number of outputs arrived so far, after each */
  onArrival: ((arrived: number) => void) | undefined;
  private count = 0;

  private constructor(
    private readonly client: MqttClient,
    private readonly pool: Pool,
    private readonly hrefsOf: (payload: unknown) => string[],
  ) {
    client.on('message', (topic, payload) => {
      this.receive(topic, payload, performance.now());
    });
  }

  /** outputs matched to an event so far */
  get arrived(): number {
    return this.count;
  }

  static async open(url: string, pool: Pool, output: 'wnm' | 'event', topics: string[]): Promise<Tap> {
    const client = await connect(url, 'tap');
    const tap = new Tap(client, pool, output === 'wnm' ? linkHrefs : assetHrefs);
    await client.subscribeAsync(topics, { qos: 1 });
    return tap;
  }

  private receive(topic: string, payload: Buffer, at: number): void {
    if (topic === DEAD_LETTERS) {
      this.refused(payload, at);
      return;
    }
    const i = this.pool.find(this.hrefsOf(parse(payload.toString('utf8'))));
    if (i === undefined) this.oddities.strangers++;
    else if (this.pool.settled(i)) this.oddities.repeats++;
    else {
      this.pool.arrivedAt[i] = at;
      this.count++;
      this.onArrival?.(this.count);
    }
  }

  /** A dead letter carries the refused event and the reason: both go into the report. */
  private refused(payload: Buffer, at: number): void {
    const record = parse(payload.toString('utf8'));
    const reason = isRecord(record) && isRecord(record.reason) && typeof record.reason.code === 'string' ? record.reason.code : '?';
    this.oddities.refusals.set(reason, (this.oddities.refusals.get(reason) ?? 0) + 1);
    const original = isRecord(record) && isRecord(record.payload) && typeof record.payload.value === 'string' ? parse(record.payload.value) : undefined;
    const i = this.pool.find(assetHrefs(original));
    if (i !== undefined && !this.pool.settled(i)) this.pool.refusedAt[i] = at;
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** The diffusion system's seat: its own connection, QoS 1, stamping each event as it goes out. */
export class Publisher {
  private inflight = 0;
  private drained: (() => void) | undefined;

  private constructor(
    private readonly client: MqttClient,
    private readonly pool: Pool,
  ) {}

  static async open(url: string, pool: Pool): Promise<Publisher> {
    return new Publisher(await connect(url, 'publisher'), pool);
  }

  private send(i: number): void {
    // made (when it was not yet) before the clock starts: its latency is the runtime's alone
    const event = this.pool.publish(i);
    this.inflight++;
    this.pool.publishedAt[i] = performance.now();
    this.client.publish(SOURCE_TOPIC, event, { qos: 1 }, () => {
      this.inflight--;
      this.drained?.();
    });
  }

  /** Resolves once at most `limit` publishes wait for their PUBACK. */
  private async below(limit: number): Promise<void> {
    while (this.inflight > limit) {
      await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = undefined;
    }
  }

  /**
   * Back to back: as fast as the broker takes them, with at most `window` unacknowledged, the
   * way a diffusion system with a bounded client queue sends a backlog.
   */
  async burst(span: Span, window = 1000): Promise<void> {
    for (let i = span.from; i < span.to; i++) {
      this.send(i);
      if (this.inflight >= window) await this.below(window - 1);
    }
    await this.below(0);
  }

  /**
   * At a fixed rate, each event when its turn is due; an event that comes late (the timer
   * fired late) goes at once with the others due, so the rate holds on average. Returns the
   * rate achieved.
   */
  async atRate(span: Span, perSecond: number): Promise<number> {
    const start = performance.now();
    const interval = 1000 / perSecond;
    for (let i = span.from; i < span.to; i++) {
      const wait = start + (i - span.from) * interval - performance.now();
      if (wait >= 1) await sleep(wait);
      this.send(i);
    }
    const seconds = (performance.now() - start) / 1000;
    await this.below(0);
    return (span.to - span.from) / seconds;
  }

  /** One event now, not waiting for its PUBACK: the readiness probe. */
  probe(i: number): void {
    this.send(i);
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

/**
 * Waits until every event of the span has its output or dead letter, or until nothing has
 * settled for `stallMs`; returns how many never did.
 */
export async function settle(pool: Pool, span: Span, stallMs = 30_000): Promise<number> {
  const total = span.to - span.from;
  let done = pool.countSettled(span);
  let progressAt = performance.now();
  while (done < total && performance.now() - progressAt < stallMs) {
    await sleep(20);
    const now = pool.countSettled(span);
    if (now > done) progressAt = performance.now();
    done = now;
  }
  return total - done;
}
