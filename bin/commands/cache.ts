/**
 * `wis2 cache`: plays a WIS2 Global Cache. It subscribes to `origin/a/wis2/<centre-id>/data/#`,
 * downloads the file of each core notification, checks its length and integrity, and then does
 * what the Global Caches do (WIS2 Guide, global services):
 * - the file checks out: republishes the notification on `cache/a/wis2/…` with a new id, its
 *   own `pubtime`, `properties.global-cache` and an `href` of its own (served with --port);
 * - the download or the check fails: publishes a WIS2 Monitoring Event on
 *   `monitor/a/wis2/<centre-id>` (type `int.wmo.wis.wme.event`) naming the notification.
 * Duplicates (an id seen in the last 15 minutes) and notifications not newer than the last one
 * for their data_id are dropped, `cache` false is not downloaded.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { MqttClient } from 'mqtt';
import { decodeJson } from '../../nodes/lib/intake';
import { WNM_METHODS, type WnmIntegrityMethod } from '../../nodes/lib/core/integrity';
import { HELP_OPTION, Stopper, UsageError, countOption, errorLine, errorMessage, field, numberOption, runCommand, timeoutOption } from '../cli/command';
import type { CommandIo } from '../cli/io';
import { BROKER_OPTIONS, CONNECT_TIMEOUT_OPTION, brokerTarget, connectBroker, connectTimeoutOption, endClient, watchConnection } from '../cli/mqtt';
import { isRecord } from '../../nodes/lib/core/json';

const USAGE = `usage:
  wis2 cache --url URL --centre-id ID [--cache-id ID] [--port P] [--host H] [--base-url URL]
             [--fetch-from PREFIX=URL]… [--count N] [--timeout S] [--quiet]
             [--username U] [--password P] [--mqtt-version 3.1.1|5] [--connect-timeout S]
      plays a Global Cache for the centre's core data: downloads each file announced on
      origin/a/wis2/<centre-id>/data/#, checks its length and integrity, republishes the
      notification on cache/a/wis2/… (new id, pubtime, properties.global-cache, its own href),
      or publishes a monitoring event on monitor/a/wis2/<centre-id> when the download or the
      check fails.

  --url URL          broker: mqtt://, mqtts://, ws:// or wss://
  --centre-id ID     the centre whose data is cached
  --cache-id ID      this cache's centre id (default xx-wis2-gc-simulator)
  --port P           serve the cached files over HTTP on this port (0: any free port)
  --host H           interface to serve on (default 127.0.0.1)
  --base-url URL     the cache's hrefs start with this (default http://<host>:<port>/)
  --fetch-from PREFIX=URL   download hrefs starting with PREFIX from URL instead (repeatable):
                     lets a local file server stand in for the centre's web server
  --count N          stop after N notifications handled (cached or failed)
  --timeout S        stop after S seconds
  --quiet            no line per notification, only the summary
  --username, --password   credentials (else from the URL, else WIS2_MQTT_USERNAME / WIS2_MQTT_PASSWORD)
  --mqtt-version V   3.1.1 (default) or 5
  --connect-timeout S  keep trying to reach the broker for S seconds (default 10)

  prints {"subscribed":[filter],"serving":URL} on stderr once ready; then per notification
  "CACHED <data_id> <bytes>" or "FAILED <code> <data_id> <reason>"; then
  {"cached":N,"failed":N,"skipped":N,"stopped":"count|timeout|signal"}; exit 0 unless the
  broker could not be used, 64 on usage errors`;

const OPTIONS = {
  ...BROKER_OPTIONS,
  'centre-id': { type: 'string' },
  'cache-id': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'base-url': { type: 'string' },
  'fetch-from': { type: 'string', multiple: true },
  count: { type: 'string' },
  timeout: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  ...CONNECT_TIMEOUT_OPTION,
  ...HELP_OPTION,
} satisfies ParseArgsConfig['options'];

export const WME_TYPE = 'int.wmo.wis.wme.event';
const WME_CONFORMS_TO = 'http://wis.wmo.int/spec/wme/1/conf/core';
const WME_SCHEMA = 'https://schemas.wmo.int/wme/1.0.0/schemas/wis2-event-message-bundled.json';
/** what Global Caches allow a server: 10 s to connect, 30 s between reads (one budget here) */
const DOWNLOAD_TIMEOUT_MS = 30_000;
const MAX_FILE_BYTES = 100 * 1024 * 1024;
const DEDUP_MS = 15 * 60_000;
const CENTRE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)+$/;

export type FailureCode = 'download.failed' | 'download.length_mismatch' | 'download.integrity_mismatch';

export interface Failure {
  code: FailureCode;
  message: string;
  status?: number;
}

/** Where to download an href: the first --fetch-from prefix that matches rewrites it. */
export function fetchUrl(href: string, rewrites: readonly (readonly [string, string])[]): string {
  for (const [prefix, to] of rewrites) if (href.startsWith(prefix)) return to + href.slice(prefix.length);
  return href;
}

/** Downloads and checks a file as a Global Cache does: the announced length, then the digest. */
export async function download(url: string, length: number | undefined, integrity: { method: WnmIntegrityMethod; value: string } | undefined): Promise<Buffer | Failure> {
  let bytes: Buffer;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: 'follow' });
    if (res.status !== 200) {
      await res.body?.cancel();
      return { code: 'download.failed', message: `HTTP ${res.status} from ${url}`, status: res.status };
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > MAX_FILE_BYTES) {
      await res.body?.cancel();
      return { code: 'download.failed', message: `${declared} bytes: larger than this cache takes` };
    }
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    return { code: 'download.failed', message: `${url}: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (length !== undefined && bytes.length !== length) return { code: 'download.length_mismatch', message: `served ${bytes.length} bytes, announced ${length}` };
  if (integrity !== undefined) {
    const digest = createHash(integrity.method).update(bytes).digest('base64');
    if (digest !== integrity.value) return { code: 'download.integrity_mismatch', message: `the ${integrity.method} digest of the served bytes is not the announced integrity` };
  }
  return bytes;
}

/** The WIS2 Monitoring Event a Global Cache publishes when it cannot cache a file. */
export function failureEvent(cacheId: string, centreId: string, topic: string, wnm: Record<string, unknown>, failure: Failure, now: Date): Record<string, unknown> {
  const props = isRecord(wnm.properties) ? wnm.properties : {};
  const link: unknown = Array.isArray(wnm.links) ? (wnm.links as unknown[]).find((l) => isRecord(l) && (l.rel === 'canonical' || l.rel === 'update')) : undefined;
  const content: Record<string, unknown> = {
    exception: { code: failure.code, message: failure.message },
    // the notification in short: the whole of it may not fit the event's 8192 bytes
    wnm: { id: wnm.id, properties: { data_id: props.data_id, pubtime: props.pubtime, integrity: props.integrity }, links: link === undefined ? [] : [link] },
  };
  if (failure.status !== undefined) content.status = failure.status;
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: WME_TYPE,
    source: cacheId,
    subject: centreId,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    dataschema: WME_SCHEMA,
    data: {
      conformsTo: [WME_CONFORMS_TO],
      subtype: failure.code === 'download.integrity_mismatch' ? 'integrity-failure' : 'download-failure',
      severity: 'ERROR',
      ref: wnm.id,
      channel: topic,
      content,
    },
  };
}

interface Settings {
  url: string;
  target: ReturnType<typeof brokerTarget>;
  centreId: string;
  cacheId: string;
  port: number | undefined;
  host: string;
  baseUrl: string | undefined;
  rewrites: [string, string][];
  count: number | undefined;
  timeoutMs: number | undefined;
  quiet: boolean;
  connectTimeoutMs: number;
}

function settings(args: string[], io: CommandIo): Settings | number {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  const centreId = values['centre-id'];
  if (centreId === undefined || !CENTRE_ID.test(centreId)) throw new UsageError('--centre-id is required: a WIS2 centre id (e.g. fr-ifremer-argo)');
  const cacheId = values['cache-id'] ?? 'xx-wis2-gc-simulator';
  if (!CENTRE_ID.test(cacheId)) throw new UsageError(`--cache-id "${cacheId}" is not a centre id`);
  const rewrites = (values['fetch-from'] ?? []).map((r): [string, string] => {
    const at = r.indexOf('=');
    if (at <= 0) throw new UsageError(`--fetch-from "${r}" is PREFIX=URL`);
    return [r.slice(0, at), r.slice(at + 1)];
  });
  return {
    url: values.url ?? '',
    target: brokerTarget(values, io.env, 'WIS2_', 'wis2-cache'),
    centreId,
    cacheId,
    port: values.port === undefined ? undefined : numberOption('port', values.port, 0, { min: 0, max: 65535, integer: true }),
    host: values.host ?? '127.0.0.1',
    baseUrl: values['base-url'],
    rewrites,
    count: countOption(values.count),
    timeoutMs: timeoutOption(values.timeout),
    quiet: values.quiet === true,
    connectTimeoutMs: connectTimeoutOption(values['connect-timeout']),
  };
}

/** The cache's own copies, served over HTTP; the oldest go first beyond the bound. */
class Store {
  private readonly files = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  put(path: string, data: Buffer): void {
    const old = this.files.get(path);
    if (old) this.bytes -= old.length;
    this.files.delete(path);
    this.files.set(path, data);
    this.bytes += data.length;
    for (const [p, b] of this.files) {
      if (this.bytes <= this.maxBytes) break;
      this.files.delete(p);
      this.bytes -= b.length;
    }
  }

  get(path: string): Buffer | undefined {
    return this.files.get(path);
  }
}

/** The cache's own copies served over HTTP on --port, if asked, and the base of the hrefs it gives. */
async function serveStore(s: Settings, store: Store): Promise<{ server: http.Server | undefined; baseUrl: string }> {
  let server: http.Server | undefined;
  let baseUrl = s.baseUrl;
  if (s.port !== undefined) {
    const srv = http.createServer((req, res) => {
      const data = req.method === 'GET' || req.method === 'HEAD' ? store.get(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')) : undefined;
      if (!data) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': data.length, 'content-type': 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(s.port, s.host, () => { resolve(); });
    });
    server = srv;
    baseUrl ??= `http://${s.host}:${(srv.address() as AddressInfo).port}/`;
  }
  baseUrl ??= `https://${s.cacheId}.invalid/`;
  if (!baseUrl.endsWith('/')) baseUrl += '/';
  return { server, baseUrl };
}

/** A notification the cache takes on: core data, new, with a link to download. */
interface Accepted {
  wnm: Record<string, unknown>;
  props: Record<string, unknown>;
  dataId: string;
  links: Record<string, unknown>[];
  link: Record<string, unknown>;
  /** the link's href */
  href: string;
}

/** The announced integrity, when it is one the cache can check. */
function integrityOf(props: Record<string, unknown>): { method: WnmIntegrityMethod; value: string } | undefined {
  return isRecord(props.integrity) && WNM_METHODS.includes(props.integrity.method as WnmIntegrityMethod) && typeof props.integrity.value === 'string'
    ? { method: props.integrity.method as WnmIntegrityMethod, value: props.integrity.value }
    : undefined;
}

/** One run: subscribed until --count, --timeout or a stop request; one notification at a time. */
class CacheRun {
  readonly stopper = new Stopper();
  private readonly counts = { cached: 0, failed: 0, skipped: 0 };
  private readonly store = new Store();
  private readonly seen = new Map<string, number>();
  private readonly lastPubtime = new Map<string, string>();
  private pending = Promise.resolve();
  private baseUrl = '';

  constructor(
    private readonly s: Settings,
    private readonly io: CommandIo,
  ) {}

  async run(): Promise<number> {
    const { server, baseUrl } = await serveStore(this.s, this.store);
    this.baseUrl = baseUrl;
    const stopListening = this.io.onStop?.(() => { this.stopper.stop('signal'); });
    try {
      return await this.withBroker(server);
    } finally {
      stopListening?.();
      server?.close();
    }
  }

  private async withBroker(server: http.Server | undefined): Promise<number> {
    let client: MqttClient;
    try {
      client = await connectBroker(this.s.target, this.s.connectTimeoutMs);
    } catch (err) {
      this.io.err(errorLine('mqtt.connect', errorMessage(err)));
      return 1;
    }
    watchConnection(client, this.io);
    client.on('message', (topic: string, payload: Buffer) => {
      this.onMessage(client, topic, payload);
    });
    const filter = `origin/a/wis2/${this.s.centreId}/data/#`;
    try {
      await client.subscribeAsync(filter, { qos: 1 });
      this.io.err(JSON.stringify({ subscribed: [filter], ...(server ? { serving: this.baseUrl } : {}) }));
      this.stopper.startTimer(this.s.timeoutMs);
      await this.stopper.finished;
    } catch (err) {
      this.io.err(errorLine('mqtt.subscribe', errorMessage(err)));
      await endClient(client, true);
      return 1;
    }
    this.stopper.clearTimer();
    await this.pending;
    await endClient(client, false);
    this.io.out(JSON.stringify({ ...this.counts, stopped: this.stopper.stoppedBy() }));
    return 0;
  }

  private onMessage(client: MqttClient, topic: string, payload: Buffer): void {
    if (this.stopper.stoppedBy() !== undefined) return;
    // one at a time, in arrival order: the pubtime ordering per data_id depends on it
    this.pending = this.pending.then(() => this.handle(client, topic, payload)).catch((err: unknown) => {
      this.io.err(errorLine('cache.unexpected', errorMessage(err)));
    }).then(() => {
      if (this.s.count !== undefined && this.counts.cached + this.counts.failed >= this.s.count) this.stopper.stop('count');
    });
  }

  private async handle(client: MqttClient, topic: string, payload: Buffer): Promise<void> {
    const n = this.accept(payload);
    if (n === undefined) {
      this.counts.skipped++;
      return;
    }
    const length = typeof n.link.length === 'number' ? n.link.length : undefined;
    const result = await download(fetchUrl(n.href, this.s.rewrites), length, integrityOf(n.props));
    if (Buffer.isBuffer(result)) await this.republish(client, topic, n, result);
    else await this.reportFailure(client, topic, n, result);
  }

  /** Decoded, core, new: duplicates, out of order, not core, deletions are not downloaded, as the Global Caches do. */
  private accept(payload: Buffer): Accepted | undefined {
    let wnm: unknown;
    try {
      wnm = decodeJson(payload, { maxBytes: 64 * 1024, maxDepth: 32 });
    } catch {
      return undefined;
    }
    if (!isRecord(wnm) || typeof wnm.id !== 'string' || !isRecord(wnm.properties)) return undefined;
    const props = wnm.properties;
    const dataId = typeof props.data_id === 'string' ? props.data_id : '';
    const pubtime = typeof props.pubtime === 'string' ? props.pubtime : '';
    const now = Date.now();
    for (const [id, at] of this.seen) {
      if (now - at < DEDUP_MS) break;
      this.seen.delete(id);
    }
    const links = Array.isArray(wnm.links) ? wnm.links.filter(isRecord) : [];
    const link = links.find((l) => l.rel === 'canonical' || l.rel === 'update');
    if (this.seen.has(wnm.id) || dataId === '' || props.cache === false || link === undefined || typeof link.href !== 'string' || (this.lastPubtime.get(dataId) ?? '') >= pubtime) return undefined;
    this.seen.set(wnm.id, now);
    this.lastPubtime.set(dataId, pubtime);
    return { wnm, props, dataId, links, link, href: link.href };
  }

  private async reportFailure(client: MqttClient, topic: string, n: Accepted, failure: Failure): Promise<void> {
    this.counts.failed++;
    const event = failureEvent(this.s.cacheId, this.s.centreId, topic, n.wnm, failure, new Date());
    await client.publishAsync(`monitor/a/wis2/${this.s.centreId}`, JSON.stringify(event), { qos: 1 });
    if (!this.s.quiet) this.io.out(`FAILED ${failure.code} ${field(n.dataId)} ${field(failure.message)}`);
  }

  /** Keeps the copy and announces it on the cache channel: new id and pubtime, its own href. */
  private async republish(client: MqttClient, topic: string, n: Accepted, bytes: Buffer): Promise<void> {
    this.store.put(`/${n.dataId}`, bytes);
    const out = {
      ...n.wnm,
      id: randomUUID(),
      properties: { ...n.props, pubtime: new Date().toISOString(), 'global-cache': this.s.cacheId },
      links: n.links.map((l) => (l === n.link ? { ...l, href: this.baseUrl + encodeURI(n.dataId) } : l)),
    };
    await client.publishAsync(topic.replace(/^origin\//, 'cache/'), JSON.stringify(out), { qos: 1 });
    this.counts.cached++;
    if (!this.s.quiet) this.io.out(`CACHED ${field(n.dataId)} ${bytes.length}`);
  }
}

export function run(args: string[], io: CommandIo): Promise<number> {
  return runCommand('cache', USAGE, io, () => settings(args, io), (s) => new CacheRun(s, io).run());
}
