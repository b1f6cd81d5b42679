import type { Dataset } from '../dataset';
import { Wis2Error, type ErrorDetail, type Warning } from '../core/errors';
import { CheckSlots, announcedFile, checkAnnouncedFile, type CheckMode } from '../feedback/href-check';
import { JournalFullError } from '../reliability/journal';
import type { Outbox, OutboxRecord } from '../reliability/outbox';
import type { Operation } from '../wnm';
import type { Announcements } from './announce';
import { preparePublication, type Publication } from './publish';

/** files checked at once per node; the others wait their turn, unfinished */
const CHECKS_AT_ONCE = 8;

/** notifications awaiting the broker's answer that a refusal can still be traced back to */
const MAX_TRACKED = 100_000;

/** What a publisher knows of the notification a message carries (set by the converter). */
export interface PublishInfo {
  dataId: string;
  fingerprint: string;
  operation: Operation;
  /** the id of the dataset whose memory records the announcement */
  dataset: string;
  warnings: Warning[];
  receivedAt?: number;
  eventTime?: string;
}

export interface PublishMessage {
  _msgid?: string;
  topic?: unknown;
  payload?: unknown;
  qos?: number;
  retain?: boolean;
  contentType?: string;
  wis2?: PublishInfo;
  outbox?: { seq: number };
}

/** A dataset as the publisher sees it. */
export interface PublishDataset {
  dataset?: Dataset;
  configError?: ErrorDetail;
  announcements?: () => Announcements | undefined;
  /** the check before publishing; mode off when the dataset asks for none */
  check?: { mode: CheckMode; retries: number };
}

/** What a PUBACK counts: a data notification, or a metadata one (which has its own metric). */
export interface Counted {
  publication: { dataset: string; rel: string; receivedAt?: number; eventTime?: string };
  metadataId?: string;
}

export interface PublishBroker {
  configError?: string;
  use(onState: (state: { connected: boolean }) => void): void;
  outbox(): Outbox;
}

/** How a message ends: on one output or the other, then done. */
export interface PublishEnds<M> {
  send: (msgs: (M | null)[]) => void;
  done: (err?: Error) => void;
}

export type StatusKind = 'ready' | 'sent' | 'rejected' | 'warned';

/** What the controller asks of its node: lookups, outputs, and each log line, metric or status. */
export interface PublishHost<M extends PublishMessage, D extends PublishDataset> {
  /** a dataset by its id */
  datasetOf(id: string): D | null | undefined;
  /** the `dataset` metric label of a message's notification */
  label(wis2: unknown): string;
  /** the metric label of a dataset */
  datasetLabel(dataset: D | null): string;
  newId(): string;
  /** the message leaves for the mqtt out node or the outbox's own count; it no longer holds the input */
  detached(msg: M): M;
  /** whether a node is wired to the first output, to take what an outbox queued */
  forwards(): boolean;
  /** sends a refusal that came after the message left on the reject output */
  refused(msg: M, error: ErrorDetail): void;
  reject(msg: M, error: ErrorDetail, ends: PublishEnds<M>, counted: (error: ErrorDetail) => void): void;
  rejectOrFail(msg: M, err: unknown, ends: PublishEnds<M>, counted: (error: ErrorDetail) => void): void;
  published(counted: Counted): void;
  /** a notification is in the outbox, on its way to the broker */
  queued(p: Publication): void;
  countRejected(dataset: string, error: ErrorDetail): void;
  publishedAtZero(rels: string[]): void;
  count(kind: StatusKind): void;
  refresh(): void;
  showConfigError(): void;
  warning(warning: Warning, topic: string): void;
  retry(href: string, reason: string, attempt: number, seconds: number): void;
  checkFailed(dataset: string, err: Wis2Error): void;
}

/** Which collaborators a node was configured with, and what they turned out to be. */
export interface PublishSetup<D> {
  datasetId: string;
  dataset: D | null;
  brokerId: string;
  broker: PublishBroker | null;
}

/**
 * A publisher: prepares each notification, checks its file first when the dataset asks, and
 * queues it in the broker's outbox (or hands it on to an mqtt out node), counting what the
 * broker accepts and refuses of what it queued.
 */
export class PublishController<M extends PublishMessage, D extends PublishDataset> {
  // What this node queued, until the broker answers. Its status counts these only: the broker's
  // outbox also carries other nodes' notifications (metadata, other datasets, dead letters),
  // whose totals the broker node reports. A refusal (MQTT 5 reason code) comes after the
  // message has left, so it leaves again on the reject output, as a new message; past
  // MAX_TRACKED a message's dataset is no longer kept, so its refusal withdraws no announcement.
  private readonly queued = new Map<number, { wis2: PublishInfo | undefined; counted: Counted }>();
  // files whose check before publishing is under way
  private readonly checking = new Set<AbortController>();
  // The check before publishing holds the message until the web server has answered: the
  // copy is not done, so a reliable input keeps its event on disk meanwhile.
  private readonly slots = new CheckSlots(CHECKS_AT_ONCE);
  private readonly dataset: D | null;
  private readonly broker: PublishBroker | null;
  private box: Outbox | undefined;
  private connection = { connected: false };
  private error: ErrorDetail | undefined;

  constructor(setup: PublishSetup<D>, private readonly host: PublishHost<M, D>) {
    this.dataset = setup.dataset;
    const { dataset, broker } = setup;
    this.error = setup.datasetId && !dataset?.dataset
      ? (dataset?.configError ?? new Wis2Error('config', 'config.no_dataset', 'the WIS2 dataset of this node is missing', '/dataset').toJSON())
      : undefined;
    if (setup.brokerId && (!broker || broker.configError)) {
      this.error = new Wis2Error('config', 'config.broker', broker?.configError ?? 'the WIS2 broker of this node is missing', '/broker').toJSON();
    }
    this.broker = broker;
  }

  /** Opens the broker's outbox, or shows why the node cannot work. */
  start(): void {
    // every relation shows from the start, at 0: rates and alerts see the first publication
    if (this.dataset?.dataset) this.host.publishedAtZero(['canonical', 'update', 'deletion']);
    if (this.error) this.host.showConfigError();
    else if (this.broker) this.open(this.broker);
  }

  get configError(): ErrorDetail | undefined { return this.error; }
  get outbox(): Outbox | undefined { return this.box; }
  get connected(): boolean { return this.connection.connected; }
  get queuedCount(): number { return this.queued.size; }
  get checkingCount(): number { return this.checking.size; }

  private open(broker: PublishBroker): void {
    try {
      broker.use((state) => {
        this.connection = state;
        this.host.refresh();
      });
      this.box = broker.outbox();
      this.box.on('sent', this.onSent);
      this.box.on('refused', this.onRefused);
      this.host.refresh();
    } catch (err) {
      this.error = new Wis2Error('config', 'config.outbox', `the outbox cannot be opened: ${(err as Error).message}`, '/broker').toJSON();
      this.host.showConfigError();
    }
  }

  private counted(msg: M): Counted {
    const info = msg.wis2 as (Partial<PublishInfo> & { metadataId?: unknown }) | undefined;
    const publication: Counted['publication'] = { dataset: this.host.label(info), rel: info?.operation ?? 'unknown' };
    if (info?.receivedAt !== undefined) publication.receivedAt = info.receivedAt;
    if (info?.eventTime !== undefined) publication.eventTime = info.eventTime;
    return typeof info?.metadataId === 'string' ? { publication, metadataId: info.metadataId } : { publication };
  }

  private readonly onSent = (seq: number): void => {
    const q = this.queued.get(seq);
    if (!q) return;
    this.queued.delete(seq);
    this.host.published(q.counted);
    this.host.count('sent');
  };

  private readonly onRefused = (seq: number, record: OutboxRecord, error: Error & { code?: number }): void => {
    const q = this.queued.get(seq);
    if (!q) return;
    const wis2 = q.wis2;
    this.queued.delete(seq);
    const reason = `${error.message}${typeof error.code === 'number' ? ` (reason code ${error.code})` : ''}`;
    const msg = { _msgid: this.host.newId(), topic: record.topic, payload: record.payload } as M;
    if (wis2) {
      msg.wis2 = wis2;
      this.host.datasetOf(wis2.dataset)?.announcements?.()?.withdraw(wis2.dataId, wis2.fingerprint);
    }
    const refusal = new Wis2Error('publish', 'publish.refused', `the broker refused the notification: ${reason}`).toJSON();
    this.host.refused(msg, refusal);
    this.host.countRejected(q.counted.publication.dataset, refusal);
    this.host.count('rejected');
  };

  private datasetOfMessage(msg: M): D | null | undefined {
    return msg.wis2 ? this.host.datasetOf(msg.wis2.dataset) : undefined;
  }

  private announcementsOf(msg: M): Announcements | undefined {
    return this.datasetOfMessage(msg)?.announcements?.();
  }

  /** what a check or the publication adds to the warnings a message carries */
  private addWarnings(msg: M, more: Warning[]): void {
    if (!msg.wis2 || more.length === 0) return;
    // msg.wis2 may come from a flow of the user's, without warnings
    const earlier: unknown = msg.wis2.warnings;
    msg.wis2 = { ...msg.wis2, warnings: [...(Array.isArray(earlier) ? (earlier as Warning[]) : []), ...more] };
  }

  /** A message arrives. */
  input(msg: M, ends: PublishEnds<M>): void {
    if (this.error) {
      this.host.reject(msg, this.error, ends, this.rejected(msg));
      return;
    }
    let p: Publication;
    try {
      const dataset = this.dataset?.dataset;
      const topic = typeof msg.topic === 'string' && msg.topic !== '' ? msg.topic : dataset?.topic;
      p = preparePublication(msg.payload, topic, dataset);
    } catch (err) {
      this.refuse(msg, err, ends);
      return;
    }
    if (!this.checkFirst(msg, p, ends)) this.publish(msg, p, ends);
  }

  /** Sends a notification on, checked: into the outbox, or out for an mqtt out node. */
  private publish(msg: M, p: Publication, ends: PublishEnds<M>): void {
    const announcements = this.announcementsOf(msg);
    try {
      if (this.box) this.enqueue(this.box, msg, p);
      // From here the notification cannot be lost: remember it. The copy ends with done() below,
      // and what goes on from an outbox no longer holds the input back (without one, the node
      // that publishes it, an mqtt out, ends it).
      if (msg.wis2) announcements?.confirm(msg.wis2.dataId, msg.wis2.fingerprint, msg.wis2.operation);
      if (p.warnings.length > 0) {
        for (const w of p.warnings) this.host.warning(w, p.topic);
        this.addWarnings(msg, p.warnings);
      }
      msg.topic = p.topic;
      msg.payload = p.payload;
      msg.qos = p.qos;
      msg.retain = p.retain;
      msg.contentType = p.contentType;
      // without an outbox no acknowledgement comes back here: handing it on is publishing it
      if (!this.box) this.host.published(this.counted(msg));
      // a copy for no node would still cost the runtime a message id and a log event per
      // notification (Node-RED makes both for a send that reaches no wire)
      if (!this.box) ends.send([msg, null]);
      else if (this.host.forwards()) ends.send([this.host.detached(msg), null]);
      this.host.count('ready');
      if (p.warnings.length > 0) this.host.count('warned');
      ends.done();
    } catch (err) {
      this.refuse(msg, err, ends);
    }
  }

  private enqueue(box: Outbox, msg: M, p: Publication): void {
    try {
      const seq = box.enqueue({ topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, contentType: p.contentType });
      this.queued.set(seq, { wis2: this.queued.size < MAX_TRACKED ? msg.wis2 : undefined, counted: this.counted(msg) });
      msg.outbox = { seq };
    } catch (err) {
      if (err instanceof JournalFullError) throw new Wis2Error('publish', 'publish.outbox_full', err.message);
      throw err;
    }
    this.host.queued(p);
  }

  private rejected(msg: M): (error: ErrorDetail) => void {
    return (error) => {
      this.host.countRejected(this.host.label(msg.wis2), error);
      this.host.count('rejected');
    };
  }

  private refuse(msg: M, err: unknown, ends: PublishEnds<M>): void {
    if (msg.wis2) this.announcementsOf(msg)?.release(msg.wis2.dataId, msg.wis2.fingerprint);
    this.host.rejectOrFail(msg, err, ends, this.rejected(msg));
  }

  /** Starts the check the message's dataset asks for (else this node's dataset's); false when none. */
  private checkFirst(msg: M, p: Publication, ends: PublishEnds<M>): boolean {
    const check = this.datasetOfMessage(msg)?.check ?? this.dataset?.check;
    const mode = check?.mode;
    const file = mode && mode !== 'off' ? announcedFile(p.message) : undefined;
    if (!check || !mode || mode === 'off' || !file) return false;
    const controller = new AbortController();
    this.checking.add(controller);
    this.host.refresh();
    this.slots.run(() => checkAnnouncedFile(file, {
      mode,
      retries: check.retries,
      signal: controller.signal,
      onRetry: (n, reason, delayMs) => {
        if (msg.wis2) this.announcementsOf(msg)?.renew(msg.wis2.dataId, msg.wis2.fingerprint);
        this.host.retry(file.href, reason, n, delayMs / 1000);
      },
    })).then((passed) => {
      this.addWarnings(msg, passed.warnings);
      this.publish(msg, p, ends);
    }, (err: unknown) => {
      // closing: the message stays unfinished, so its event is replayed after the restart
      if (controller.signal.aborted) return;
      if (err instanceof Wis2Error) this.host.checkFailed(this.host.datasetLabel(this.datasetOfMessage(msg) ?? this.dataset), err);
      this.refuse(msg, err, ends);
    }).finally(() => {
      this.checking.delete(controller);
      if (!controller.signal.aborted) this.host.refresh();
    });
    return true;
  }

  /** Stops the checks under way, leaving their messages unfinished. */
  abortChecks(): void {
    for (const controller of this.checking) controller.abort();
    this.checking.clear();
  }

  /** Stops listening to the outbox; what was queued is no longer traced. */
  detach(): void {
    this.box?.removeListener('sent', this.onSent);
    this.box?.removeListener('refused', this.onRefused);
    this.queued.clear();
  }
}
