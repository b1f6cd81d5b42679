import { Journal } from '../reliability/journal';
import { Outbox, type OutboxRecord, type PublishTarget } from '../reliability/outbox';
import { logSent, PublishedLog } from '../reliability/published-log';
import { isPreparedPublication } from './publish';
import { SessionMemory } from '../reliability/session-memory';
import { joinCorkedWrites } from './socket-writes';
import { RANK, runtimeTurn, type TurnWrites } from '../reliability/turn-writes';

/** What the controller needs of an MQTT client (mqtt.js's MqttClient has it). */
export interface BrokerClient extends PublishTarget {
  readonly connected: boolean;
  readonly options: { protocolVersion?: number };
  readonly stream?: unknown;
  /** mqtt.js reads the next packet only once this calls back */
  handleMessage: (packet: never, callback: () => void) => void;
  on(event: 'connect', listener: (connack: { sessionPresent: boolean }) => void): unknown;
  on(event: 'close' | 'offline', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  end(force: boolean, opts: object, callback: () => void): unknown;
}

/** A connection as the nodes that use it see it. */
export interface BrokerConnectionState {
  connected: boolean;
  error?: string;
  /** when (RFC 3339) the broker last answered a reconnection without our persistent session */
  sessionLost?: string;
}

/** What the whole connection did, all its users together (their statuses count their own). */
export interface BrokerTotals {
  url: string;
  connected: boolean;
  error?: string;
  /** outbox counts since it opened; absent while no user publishes through this broker */
  outbox?: { queued: number; inflight: number; sent: number; refused: number };
  /** users of the connection */
  users: number;
}

/** A client just made, with what it connects as. */
export interface Connection<C extends BrokerClient> {
  client: C;
  clientId: string;
  clean: boolean;
  /** errors someone else reports (a refusal of MQTT 5 the version fallback handles) */
  ignoreError?: (err: Error) => boolean;
}

export interface BrokerSettings {
  url: string;
  /** remembers across restarts whether the broker should hold our session; absent: in memory only */
  sessionFile?: string;
  outboxDir: string;
  publishedDir: string;
  maxQueueBytes: number;
  window: number;
  /** days acknowledged notifications stay in the published log; 0: none are kept */
  keepDays: number;
}

/** What the controller tells its node: each is a log line, a metric or a status to show. */
export interface BrokerEvents {
  state(state: BrokerConnectionState): void;
  connected(clientId: string, version: '5' | '3.1.1'): void;
  error(message: string): void;
  sessionLost(time: string, clientId: string): void;
  /** notifications enqueued could not be written down (they wait in memory for the next try) */
  outboxWriteFailed(err: Error): void;
  ackWriteFailed(err: Error): void;
  publishedWriteFailed(err: Error): void;
  refused(record: OutboxRecord, err: Error & { code?: number }): void;
  /** the connection and its outbox are about to close */
  closing(): void;
}

export interface BrokerClock {
  now(): Date;
  /** runs a callback once the current turn of the event loop is over */
  defer(callback: () => void): { cancel(): void };
}

const realClock: BrokerClock = {
  now: () => new Date(),
  defer: (callback) => {
    const immediate = setImmediate(callback);
    return { cancel: () => { clearImmediate(immediate); } };
  },
};

/**
 * One broker connection shared by every node that uses it: opened on first use and closed with
 * its last user, with a durable outbox for publishers and back-pressure for inputs.
 */
export class BrokerController<C extends BrokerClient> {
  private readonly users = new Map<string, (state: BrokerConnectionState) => void>();
  private readonly busyChecks = new Map<string, () => boolean>();
  private waiting: (() => void)[] = [];
  private connection: Connection<C> | undefined;
  private box: Outbox | undefined;
  private journal: Journal | undefined;
  private published: PublishedLog | undefined;
  private sessions: SessionMemory | undefined;
  private lastError: string | undefined;
  private lostAt: string | undefined;
  /** the connection's stream is corked until the end of this turn */
  private holding = false;

  constructor(
    private readonly settings: BrokerSettings,
    private readonly connect: () => Connection<C>,
    private readonly events: BrokerEvents,
    private readonly clock: BrokerClock = realClock,
    /** the turn whose writes must be on disk before the packets of the turn leave */
    private readonly turn: TurnWrites = runtimeTurn,
  ) {}

  /** The shared connection, opened on first use. */
  use(userId: string, onState: (state: BrokerConnectionState) => void): C {
    this.users.set(userId, onState);
    const client = this.client();
    this.clock.defer(() => { this.broadcast(); });
    return client;
  }

  /** The durable outbox of this broker, opened on first use. */
  outbox(): Outbox {
    if (this.box) return this.box;
    const client = this.client();
    const journal = Journal.open({
      dir: this.settings.outboxDir,
      maxBytes: this.settings.maxQueueBytes,
      turn: this.turn,
      rank: RANK.outbox,
      onDeferredError: (err) => { this.events.outboxWriteFailed(err); },
    });
    const target: PublishTarget = {
      get connected() {
        return client.connected;
      },
      publish: (topic, payload, options, callback) => {
        this.holdWrites();
        return client.publish(topic, payload, options, callback);
      },
      on: (event, listener) => client.on(event, listener),
      removeListener: (event, listener) => client.removeListener(event, listener),
    };
    const outbox = new Outbox(journal, target, this.settings.window);
    this.journal = journal;
    this.box = outbox;
    outbox.on('warning', (err: Error) => { this.events.ackWriteFailed(err); });
    if (this.settings.keepDays > 0) this.logPublished(outbox);
    outbox.on('refused', (_seq: number, record: OutboxRecord, err: Error & { code?: number }) => { this.events.refused(record, err); });
    outbox.pump();
    return outbox;
  }

  totals(): BrokerTotals {
    const connected = this.connection?.client.connected ?? false;
    const totals: BrokerTotals = { url: this.settings.url, connected, users: this.users.size };
    if (this.lastError !== undefined && !connected) totals.error = this.lastError;
    if (this.box) {
      const { queued, inflight, sent, refused } = this.box.stats();
      totals.outbox = { queued, inflight, sent, refused };
    }
    return totals;
  }

  /**
   * What the outbox holds now, undefined while it is not open: read when the metrics are read,
   * not kept up to date per message.
   */
  backlog(): { messages: number; bytes: number } | undefined {
    if (!this.box || !this.journal) return undefined;
    return { messages: this.box.stats().queued, bytes: this.journal.pendingBytes() };
  }

  /**
   * Back-pressure for inputs: while `busy()` says so, the connection reads no further message
   * (the broker holds them, within its in-flight limit); `wake()` when it may change.
   */
  backpressure(userId: string, busy: () => boolean): void {
    this.busyChecks.set(userId, busy);
  }

  wake(): void {
    if (this.waiting.length === 0 || this.busy()) return;
    const ready = this.waiting;
    this.waiting = [];
    this.holdWrites();
    for (const callback of ready) callback();
  }

  async release(userId: string): Promise<void> {
    this.users.delete(userId);
    this.busyChecks.delete(userId);
    this.wake();
    if (this.users.size > 0) return;
    await this.close();
  }

  /** Closes the connection whoever still uses it (the broker node leaves the flows). */
  async closeAll(): Promise<void> {
    this.users.clear();
    await this.close();
  }

  private busy(): boolean {
    for (const check of this.busyChecks.values()) if (check()) return true;
    return false;
  }

  private client(): C {
    this.connection ??= this.open();
    return this.connection.client;
  }

  /**
   * Holds back what the connection writes until the current turn of the event loop is over:
   * mqtt.js writes each packet on its own (a system call and a wake-up of the broker each),
   * and a busy turn acknowledges and publishes dozens. Corked, they leave in one write, once
   * the files the turn wrote to are on disk: no PUBACK or notification leaves before what it
   * depends on (the inbox entry, the outbox record) is written, and as one buffer (each
   * connection's stream joins what it was given while corked: see `open`).
   */
  private holdWrites(): void {
    if (this.holding) return;
    const stream = this.connection?.client.stream as { cork?: () => void; uncork?: () => void } | undefined;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
    stream.cork();
    this.holding = true;
    this.clock.defer(() => {
      this.holding = false;
      this.turn.flush();
      stream.uncork?.();
    });
  }

  private broadcast(): void {
    const state: BrokerConnectionState = { connected: this.connection?.client.connected ?? false };
    if (this.lastError !== undefined && !state.connected) state.error = this.lastError;
    if (this.lostAt !== undefined) state.sessionLost = this.lostAt;
    this.events.state(state);
    for (const listener of this.users.values()) listener(state);
  }

  private open(): Connection<C> {
    const connection = this.connect();
    const { client: c, clientId, clean } = connection;
    c.handleMessage = (_packet, callback) => {
      // the PUBACK that follows goes out with the others of this turn, after the inbox entry
      this.holdWrites();
      if (this.busy()) this.waiting.push(callback);
      else callback();
    };
    c.on('connect', (connack) => {
      this.checkSession(clean, clientId, connack.sessionPresent);
      // Publishing and acknowledging on one connection meets Nagle's algorithm and delayed
      // ACKs: tens of milliseconds per message. Small MQTT packets go out at once instead.
      (c.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      // once per connection (mqtt.js makes a new stream for each), not at every turn's cork
      joinCorkedWrites(c.stream);
      this.events.connected(clientId, c.options.protocolVersion === 5 ? '5' : '3.1.1');
      this.lastError = undefined;
      this.broadcast();
    });
    c.on('close', () => {
      // Held acknowledgements belong to the connection that carried their packets: sent on the
      // next one they could acknowledge another message under a reused packet id. The broker
      // redelivers what stays unacknowledged in the session, and the input knows its ids.
      this.waiting = [];
      this.broadcast();
    });
    c.on('offline', () => { this.broadcast(); });
    c.on('error', (err) => {
      if (connection.ignoreError?.(err)) return;
      if (err.message !== this.lastError) this.events.error(err.message);
      this.lastError = err.message;
      this.broadcast();
    });
    return connection;
  }

  /**
   * Whether the broker should still hold a session of ours: known across restarts of the
   * runtime when the client id is fixed (a generated one is new at every start).
   */
  private checkSession(clean: boolean, clientId: string, sessionPresent: boolean): void {
    // only inputs (which hold the connection back) have subscriptions for a session to keep;
    // a broker may well forget the empty session of a connection that only publishes
    if (clean || this.busyChecks.size === 0) return;
    this.sessions ??= new SessionMemory(this.settings.sessionFile);
    if (!this.sessions.connected(this.settings.url, clientId, sessionPresent)) return;
    this.lostAt = this.clock.now().toISOString();
    this.events.sessionLost(this.lostAt, clientId);
  }

  private logPublished(outbox: Outbox): void {
    this.published ??= new PublishedLog(this.settings.publishedDir, this.settings.keepDays, undefined, true);
    logSent(outbox, this.published, (err) => { this.events.publishedWriteFailed(err); }, isPreparedPublication);
  }

  private async close(): Promise<void> {
    this.events.closing();
    this.busyChecks.clear();
    this.wake();
    this.box?.close();
    this.box = undefined;
    this.published?.close();
    this.published = undefined;
    const c = this.connection?.client;
    this.connection = undefined;
    // forced: a graceful end would wait for publishes the broker may never answer; what is
    // unacknowledged stays in the outbox journal and goes out after the next start
    if (c) await new Promise<void>((resolve) => { c.end(true, {}, () => { resolve(); }); });
    this.journal?.close();
    this.journal = undefined;
  }
}
