/**
 * `wis2 simulate`: plays the diffusion system. It publishes "file created" CloudEvents on the
 * internal broker the way the Coriolis diffusion system does, so the pipeline can be run, measured
 * and tested without it. Also home of the MQTT connection helpers `wis2 receive` shares.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { connect, type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { EX_DATAERR, EX_NOINPUT, EX_USAGE, type CommandIo } from './io';
import { isRecord } from '../../nodes/lib/core/json';

const USAGE = `usage:
  wis2 simulate --url URL [--events PATH] [--count N] [--rate R] [--topic T] [--qos 0|1|2]
                [--vary] [--synthetic-files] [--quiet] [--inflight N] [--ack-timeout S]
                [--username U] [--password P] [--mqtt-version 3.1.1|5] [--connect-timeout S]
      publishes "file created" CloudEvents as the diffusion system does, on
      diffusion/files/coriolis/argo/netcdf or .../bufr (by the announced file), or on --topic T

  --url URL          broker: mqtt://, mqtts://, ws:// or wss://, credentials allowed (user:pass@host)
  --events PATH      a JSON event file, or a directory of them (*.json, in name order);
                     default: the package's sample events (flows/samples)
  --count N          events in all, cycling through the files (default: each file once)
  --rate R           events per second (default: as fast as the broker acknowledges)
  --qos Q            0, 1 (default) or 2; an event counts as published once acknowledged
                     (QoS 0: once written to the connection; over MQTT 3.1.1 a broker also
                     acknowledges what its ACL drops: --mqtt-version 5 reports refusals)
  --vary             after the first pass, every event is a new event for a new file: new id and
                     a new cycle number (profiles), float number (float files) or bulletin time
                     (BUFR), so that N events announce N distinct files
  --synthetic-files  every announced file is the synthetic sample file of its name (the text
                     "synthetic sample: <file name>"): its file:checksum (sha3-256) and file:size
                     describe those bytes, which \`wis2 serve --synthetic\` serves, so a cache
                     downloading them finds what was announced
  --quiet            no line per event, only the summary
  --inflight N       events awaiting acknowledgement at most (default 100)
  --ack-timeout S    give up when no acknowledgement came for S seconds (default 30)
  --username, --password   credentials (else from the URL, else MQTT_USERNAME / MQTT_PASSWORD,
                           or the password from the file MQTT_PASSWORD_FILE names)
  --mqtt-version V   3.1.1 (default) or 5; with 5 the events carry the Content Type
                     application/cloudevents+json (CloudEvents MQTT binding, structured mode)
  --connect-timeout S  keep trying to reach the broker for S seconds (default 10)

  prints "PUBLISHED <topic> <event id> <href>…" (or "FAILED <topic> <event id> <reason>") per
  event, then {"published":N,"failed":N,"seconds":S,"rate":R} (S from the connection to the last
  acknowledgement, R = published / S); exit 0 when every event was
  acknowledged, 1 otherwise, 64 on usage errors, 65 for an event file that is not JSON,
  66 when the events cannot be read`;

const OPTIONS = {
  url: { type: 'string' },
  events: { type: 'string' },
  count: { type: 'string' },
  rate: { type: 'string' },
  topic: { type: 'string' },
  qos: { type: 'string' },
  vary: { type: 'boolean' },
  'synthetic-files': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  inflight: { type: 'string' },
  'ack-timeout': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'mqtt-version': { type: 'string' },
  'connect-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

/** The internal topics of the Coriolis diffusion system (`diffusion/files/coriolis/argo/#`). */
export const DIFFUSION_TOPIC_PREFIX = 'diffusion/files/coriolis/argo/';
/** CloudEvents MQTT binding, structured mode: the Content Type of an MQTT 5 message. */
const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';
/** A signal stops new publications; events in flight get this long to be acknowledged. */
const STOP_GRACE_MS = 2000;

// ---------------------------------------------------------------------------------------------
// Shared by simulate and receive: options, broker URL, connection

export class UsageError extends Error {}

export interface BrokerTarget {
  /** the URL without its credentials: safe to print */
  url: string;
  options: IClientOptions;
}

/** A number option: a finite number within bounds, an integer when asked. */
export function numberOption(name: string, raw: string | undefined, fallback: number, rule: { min: number; max?: number; integer?: boolean }): number {
  if (raw === undefined) return fallback;
  const value = raw.trim() === '' ? NaN : Number(raw);
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isFinite(value) || value < rule.min || value > max || (rule.integer === true && !Number.isInteger(value))) {
    const what = rule.integer === true ? 'an integer' : 'a number';
    throw new UsageError(`--${name} must be ${what} from ${rule.min}${rule.max === undefined ? '' : ` to ${rule.max}`}, got "${raw}"`);
  }
  return value;
}

/** An MQTT topic name to publish on: MQTT forbids wildcards and NUL there. */
export function checkTopicName(topic: string): void {
  if (topic === '' || /[+#]/.test(topic) || topic.includes('\u0000') || Buffer.byteLength(topic) > 65535) {
    throw new UsageError(`--topic "${topic}" is not an MQTT topic name (non-empty, no + or # wildcards)`);
  }
}

/** The broker options every MQTT command takes, as parseArgs gives them. */
export interface BrokerOptionValues {
  url?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  'mqtt-version'?: string | undefined;
}

/** A wrong command line: ours, or parseArgs refusing an unknown option or a missing value. */
export function isUsageError(err: unknown): err is Error {
  if (err instanceof UsageError) return true;
  const code = err instanceof TypeError ? (err as NodeJS.ErrnoException).code : undefined;
  return code?.startsWith('ERR_PARSE_ARGS') === true;
}

/**
 * The `run` of a command that reads its settings first: a wrong command line prints the usage
 * and exits 64; `read` may also answer with an exit code (--help).
 */
export async function runCommand<S>(group: string, usage: string, io: CommandIo, read: () => S | number, action: (s: S) => Promise<number>): Promise<number> {
  let s: S | number;
  try {
    s = read();
  } catch (err) {
    if (isUsageError(err)) {
      io.err(`wis2 ${group}: ${err.message}\n${usage}`);
      return EX_USAGE;
    }
    throw err;
  }
  return typeof s === 'number' ? s : action(s);
}

/**
 * The `run` of a command that reads its options as it goes: a wrong command line prints the
 * usage and exits 64, any other error is one `<group>.failed` line and exit 1.
 */
export async function runMain(group: string, usage: string, io: CommandIo, main: () => Promise<number>): Promise<number> {
  try {
    return await main();
  } catch (err) {
    if (isUsageError(err)) {
      io.err(`wis2 ${group}: ${err.message}\n${usage}`);
      return EX_USAGE;
    }
    io.err(errorLine(`${group}.failed`, err instanceof Error ? err.message : String(err)));
    return 1;
  }
}

/**
 * Reads the broker URL and the credentials. Credentials are taken out of the URL (and
 * percent-decoded, which mqtt.js does not do) so the URL can be printed.
 */
export function brokerTarget(values: BrokerOptionValues, env: NodeJS.ProcessEnv, envPrefix: '' | 'WIS2_', clientPrefix: string): BrokerTarget {
  const rawUrl = values.url;
  const given = { username: values.username, password: values.password, mqttVersion: values['mqtt-version'] };
  if (rawUrl === undefined || rawUrl === '') throw new UsageError('--url is required');
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    // the credentials a URL may carry stay out of messages
    throw new UsageError(`--url "${rawUrl.replace(/\/\/[^/@]*@/, '//…@')}" is not a URL (mqtt://host:1883)`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new UsageError(`--url scheme "${url.protocol.slice(0, -1)}" is not one of mqtt, mqtts, ws, wss`);
  }
  let fromUrl: { username: string; password: string };
  try {
    fromUrl = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  } catch {
    throw new UsageError('--url has a malformed percent-escape in its credentials');
  }
  url.username = '';
  url.password = '';
  let protocolVersion: 4 | 5 = 4;
  if (given.mqttVersion !== undefined) {
    if (given.mqttVersion === '5' || given.mqttVersion === '5.0') protocolVersion = 5;
    else if (given.mqttVersion !== '3.1.1' && given.mqttVersion !== '4') throw new UsageError(`--mqtt-version is 3.1.1 or 5, got "${given.mqttVersion}"`);
  }
  const options: IClientOptions = {
    protocolVersion,
    clientId: `${clientPrefix}-${randomBytes(6).toString('hex')}`,
    clean: true,
    reconnectPeriod: 1000,
  };
  const username = given.username ?? (fromUrl.username || env[`${envPrefix}MQTT_USERNAME`]);
  const password = given.password ?? (fromUrl.password || env[`${envPrefix}MQTT_PASSWORD`] || passwordFile(env[`${envPrefix}MQTT_PASSWORD_FILE`], `${envPrefix}MQTT_PASSWORD_FILE`));
  if (username) options.username = username;
  if (password) options.password = password;
  return { url: url.href, options };
}

/** A password from the file a `*_FILE` variable names (a Docker secret), one trailing newline dropped. */
function passwordFile(file: string | undefined, variable: string): string | undefined {
  if (file === undefined || file === '') return undefined;
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new UsageError(`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return errorText(err.errors[0]);
  return err instanceof Error ? err.message || err.constructor.name : String(err);
}

export function errorLine(code: string, message: string): string {
  return JSON.stringify({ error: { code, message, path: '' } });
}

/**
 * Connects, retrying until `timeoutMs` (a broker started at the same time may not listen yet);
 * a broker that refuses the connection (credentials, authorisation) is not retried.
 */
export function connectBroker(target: BrokerTarget, timeoutMs: number, signal?: AbortSignal): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(target.url, { ...target.options, connectTimeout: Math.max(1000, Math.min(timeoutMs, 30_000)) });
    let lastError = '';
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) {
        resolve(client);
        return;
      }
      client.end(true);
      reject(err);
    };
    const onConnect = (): void => {
      finish();
    };
    const onError = (err: Error & { code?: unknown }): void => {
      lastError = errorText(err);
      // CONNACK refusals carry a numeric reason code; socket errors a string one (ECONNREFUSED)
      if (typeof err.code === 'number') finish(new Error(`the broker refused the connection: ${lastError}`));
    };
    const timer = setTimeout(() => {
      finish(new Error(`cannot connect to ${target.url} within ${timeoutMs / 1000} s${lastError ? `: ${lastError}` : ''}`));
    }, timeoutMs);
    const onAbort = (): void => {
      finish(new Error('interrupted while connecting'));
    };
    client.on('connect', onConnect);
    client.on('error', onError);
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted === true) onAbort();
  });
}

/** Reports losing and regaining the broker on stderr, once per outage. */
export function watchConnection(client: MqttClient, io: CommandIo): void {
  let down = false;
  const lost = (reason: string): void => {
    if (down) return;
    down = true;
    io.err(JSON.stringify({ warning: { code: 'mqtt.disconnected', message: `lost the broker (${reason}); reconnecting` } }));
  };
  client.on('offline', () => {
    lost('offline');
  });
  client.on('error', (err) => {
    lost(errorText(err));
  });
  client.on('connect', () => {
    if (!down) return;
    down = false;
    io.err(JSON.stringify({ warning: { code: 'mqtt.reconnected', message: 'connected to the broker again' } }));
  });
}

export function endClient(client: MqttClient, force: boolean): Promise<void> {
  return new Promise((resolve) => {
    client.end(force, {}, () => {
      resolve();
    });
  });
}

/** Prints a topic or id on a space-separated line: as is when it is plain, JSON-quoted otherwise. */
export function field(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '-';
  const text = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return /^[\x21-\x7e]+$/.test(text) ? text : JSON.stringify(text);
}

export function rounded(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ---------------------------------------------------------------------------------------------
// Sample events and their variations

type Json = Record<string, unknown>;

/**
 * How `--vary` makes new files out of a sample: the strings of the sample that name its file
 * (longest first), what they become in its n-th variant (n >= 1, injective in n), and how many
 * variants keep a valid file name.
 */
interface Renamer {
  capacity: number;
  tokens: readonly string[];
  values(n: number): string[];
}

interface Rewriter {
  pattern: RegExp;
  tokens: readonly string[];
}

function rewriterFor(renamer: Renamer | undefined): Rewriter | undefined {
  if (renamer === undefined || renamer.tokens.length === 0) return undefined;
  return { pattern: new RegExp(renamer.tokens.map(escapeRegExp).join('|'), 'g'), tokens: renamer.tokens };
}

const PROFILE = /^([RD]|B[RD]|S[RD]|M[RD])([0-9]{5,7})_([0-9]{3,4})(D?(?:_aux)?\.nc)$/;
const FLOAT_FILE = /^([0-9]{5,7})(_[A-Za-z]+(?:_aux)?\.nc)$/;
const BULLETIN = /^([A-Z]{4})([0-9]{2})_([A-Z]{4})_([0-9]{2})([0-9]{2})([0-9]{2})\.BU$/;
/** Under 28 days of minutes: no two bulletin times of one window share their day-hour-minute. */
const BULLETIN_WINDOW = 40_000;
const CYCLES_PER_FLOAT = 999;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Profiles: the next cycle numbers (001-999), then the next float numbers. */
function profileRenamer(m: RegExpExecArray): Renamer {
  const wmoText = m[2];
  const cycleText = m[3];
  const wmo = Number(wmoText);
  const cycle = Number(cycleText);
  const floats = 10 ** wmoText.length - wmo;
  const first = Math.max(cycle, 1) - 1;
  return {
    capacity: floats * CYCLES_PER_FLOAT - first - 1,
    tokens: [`${wmoText}_${cycleText}`, wmoText],
    values: (n) => {
      const index = first + n;
      const newWmo = pad(wmo + Math.floor(index / CYCLES_PER_FLOAT), wmoText.length);
      return [`${newWmo}_${pad((index % CYCLES_PER_FLOAT) + 1, 3)}`, newWmo];
    },
  };
}

/** Float-level files (`<wmo>_meta.nc`…): the next float numbers. */
function floatRenamer(m: RegExpExecArray): Renamer {
  const wmoText = m[1];
  const wmo = Number(wmoText);
  return {
    capacity: 10 ** wmoText.length - 1 - wmo,
    tokens: [wmoText],
    values: (n) => [pad(wmo + n, wmoText.length)],
  };
}

/** BUFR bulletins `etc/bufr/<yyyymm>/<TTAAii>_<CCCC>_<ddhhmm>.BU`: later bulletin times. */
function bulletinRenamer(m: RegExpExecArray, month: string): Renamer | undefined {
  const [, ttaa = '', ii = '', cccc = '', dd = '', hh = '', mi = ''] = m;
  const base = Date.UTC(Number(month.slice(0, 4)), Number(month.slice(4)) - 1, Number(dd), Number(hh), Number(mi));
  const at = new Date(base);
  if (Number.isNaN(base) || at.getUTCDate() !== Number(dd) || at.getUTCMonth() + 1 !== Number(month.slice(4))) return undefined;
  const stem = `${ttaa}${ii}_${cccc}_${dd}${hh}${mi}`;
  return {
    capacity: (100 - Number(ii)) * BULLETIN_WINDOW - 1,
    tokens: [`${month}/${stem}`, stem],
    values: (n) => {
      const t = new Date(base + (n % BULLETIN_WINDOW) * 60_000);
      const newMonth = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1, 2)}`;
      const newStem = `${ttaa}${pad(Number(ii) + Math.floor(n / BULLETIN_WINDOW), 2)}_${cccc}_${pad(t.getUTCDate(), 2)}${pad(t.getUTCHours(), 2)}${pad(t.getUTCMinutes(), 2)}`;
      return [`${newMonth}/${newStem}`, newStem];
    },
  };
}

/** Any other file: a version suffix before the extension. */
function suffixRenamer(filename: string): Renamer {
  const dot = filename.lastIndexOf('.');
  const stem = dot > 0 ? filename.slice(0, dot) : filename;
  const ext = dot > 0 ? filename.slice(dot) : '';
  return { capacity: Number.MAX_SAFE_INTEGER, tokens: [filename], values: (n) => [`${stem}-v${n}${ext}`] };
}

function renamerFor(href: string | undefined): Renamer | undefined {
  if (href === undefined) return undefined;
  const segments = href.split(/[?#]/, 1)[0]?.split('/') ?? [];
  const filename = segments.at(-1) ?? '';
  if (filename === '') return undefined;
  const profile = PROFILE.exec(filename);
  if (profile) return profileRenamer(profile);
  const float = FLOAT_FILE.exec(filename);
  if (float) return floatRenamer(float);
  const bulletin = BULLETIN.exec(filename);
  const month = segments.at(-2) ?? '';
  if (bulletin && /^[0-9]{4}(0[1-9]|1[0-2])$/.test(month)) return bulletinRenamer(bulletin, month) ?? suffixRenamer(filename);
  return suffixRenamer(filename);
}

interface Asset {
  key: string;
  value: Json;
}

function assetsOf(event: Json): Asset[] {
  const data = event.data;
  if (!isRecord(data) || !isRecord(data.assets)) return [];
  return Object.entries(data.assets).flatMap(([key, value]) => (isRecord(value) ? [{ key, value }] : []));
}

/** The file an event is about: its first `data` asset, or its first asset. */
function primaryAsset(event: Json): Asset | undefined {
  const assets = assetsOf(event);
  return assets.find((a) => Array.isArray(a.value.roles) && a.value.roles.includes('data')) ?? assets[0];
}

export interface Sample {
  file: string;
  bytes: Buffer;
  event: Json;
  id: string;
  hrefs: string[];
  topic: string;
  renamer: Renamer | undefined;
  rewriter: Rewriter | undefined;
}

function hrefsOf(event: Json): string[] {
  return assetsOf(event).flatMap((a) => (typeof a.value.href === 'string' ? [a.value.href] : []));
}

/** BUFR bulletins go to `.../bufr`, everything else to `.../netcdf`, as the diffusion system does. */
function diffusionTopic(event: Json): string {
  const asset = primaryAsset(event);
  const type = typeof asset?.value.type === 'string' ? asset.value.type.toLowerCase() : '';
  const href = typeof asset?.value.href === 'string' ? asset.value.href : '';
  const bufr = type.includes('bufr') || /\.(bu|bufr|bufr4)$/i.test(href);
  return `${DIFFUSION_TOPIC_PREFIX}${bufr ? 'bufr' : 'netcdf'}`;
}

class InputError extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The package root: where `flows/samples` ships, from dist/bin/commands or bin/commands alike. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'node-red-contrib-wis2') return dir;
      } catch {
        // an unreadable manifest is not ours; keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, '..', '..', '..');
    dir = parent;
  }
}

export const SAMPLES_DIR: string = path.join(packageRoot(), 'flows', 'samples');

function eventFiles(where: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(where);
  } catch (err) {
    throw new InputError(EX_NOINPUT, 'cli.unreadable', `cannot read ${where}: ${errorText(err)}`);
  }
  if (!stat.isDirectory()) return [where];
  const files = fs
    .readdirSync(where)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => path.join(where, n));
  if (files.length === 0) throw new InputError(EX_NOINPUT, 'cli.no_events', `no .json event file in ${where}`);
  return files;
}

export function loadSamples(where: string, io: CommandIo): Sample[] {
  return eventFiles(where).map((file) => {
    let bytes: Buffer;
    try {
      bytes = io.readFile(file);
    } catch (err) {
      throw new InputError(EX_NOINPUT, 'cli.unreadable', `cannot read ${file}: ${errorText(err)}`);
    }
    let event: unknown;
    try {
      event = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new InputError(EX_DATAERR, 'cli.not_json', `${file} is not JSON: ${errorText(err)}`);
    }
    // Only the shape needed to publish and vary it is required: the simulator may well be used
    // to send events the pipeline must refuse.
    if (!isRecord(event)) throw new InputError(EX_DATAERR, 'cli.not_event', `${file} holds no JSON object, so no CloudEvent`);
    const href = primaryAsset(event)?.value.href;
    const renamer = renamerFor(typeof href === 'string' ? href : undefined);
    return {
      file,
      bytes,
      event,
      id: typeof event.id === 'string' ? event.id : '',
      hrefs: hrefsOf(event),
      topic: diffusionTopic(event),
      renamer,
      rewriter: rewriterFor(renamer),
    };
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A fresh synthetic checksum of the same multihash kind: a new file has other bytes. */
function newChecksum(old: unknown, seed: string): unknown {
  if (typeof old !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(old) || old.length < 6) return old;
  const length = parseInt(old.slice(2, 4), 16);
  if (old.length !== 4 + 2 * length || length > 64) return old;
  const digest = createHash('sha512').update(old).update(seed).digest().subarray(0, length);
  return old.slice(0, 4) + digest.toString('hex');
}

/** The bytes of the synthetic sample file of that name (flows/samples/README.md). */
export function syntheticFile(name: string): Buffer {
  return Buffer.from(`synthetic sample: ${name}`, 'utf8');
}

/** An event whose every asset announces the synthetic file of its name: checksum and size. */
export function announceSyntheticFiles(event: Json): Json {
  const assets = isRecord(event.data) ? event.data.assets : undefined;
  if (!isRecord(assets)) return event;
  for (const asset of Object.values(assets)) {
    if (!isRecord(asset) || typeof asset.href !== 'string') continue;
    const bytes = syntheticFile(path.posix.basename(new URL(asset.href, 'file:///').pathname));
    // multihash: sha3-256 (0x16), 32 bytes (0x20), then the digest
    asset['file:checksum'] = `1620${createHash('sha3-256').update(bytes).digest('hex')}`;
    asset['file:size'] = bytes.length;
  }
  return event;
}

/**
 * The n-th variant of a sample (n >= 1): a new event announcing a new file. The file name is
 * rewritten alike wherever the sample spells it (event and Item ids, titles, platform, asset
 * keys and hrefs); the event gets the current time.
 */
export function variant(sample: Sample, n: number, now: Date): { event: Json; id: string; hrefs: string[] } {
  const event = structuredClone(sample.event);
  const { renamer, rewriter } = sample;
  const values = renamer?.values(n) ?? [];
  const replacement = (m: string): string => values[rewriter?.tokens.indexOf(m) ?? -1] ?? m;
  const rewrite = (value: unknown): unknown => (rewriter !== undefined && typeof value === 'string' ? value.replace(rewriter.pattern, replacement) : value);
  const suffix = `-v${n}`;

  const id = rewrite(event.id);
  event.id = typeof id === 'string' && id !== sample.id ? id : `${typeof event.id === 'string' ? event.id : 'event'}${suffix}`;
  if (typeof event.time === 'string') event.time = now.toISOString();
  const data = event.data;
  if (isRecord(data)) {
    const itemId = data.id;
    const newItemId = rewrite(itemId);
    data.id = typeof itemId === 'string' && newItemId === itemId ? `${itemId}${suffix}` : newItemId;
    if (isRecord(data.properties)) {
      data.properties.title = rewrite(data.properties.title);
      data.properties.platform = rewrite(data.properties.platform);
    }
    if (isRecord(data.assets)) {
      const assets: Json = {};
      for (const [key, value] of Object.entries(data.assets)) {
        if (isRecord(value)) {
          value.href = rewrite(value.href);
          value.title = rewrite(value.title);
          if (typeof value.created === 'string') value.created = now.toISOString();
          if (value['file:checksum'] !== undefined) value['file:checksum'] = newChecksum(value['file:checksum'], `${String(value.href)}#${n}`);
        }
        assets[String(rewrite(key))] = value;
      }
      data.assets = assets;
    }
  }
  return { event, id: String(event.id), hrefs: hrefsOf(event) };
}

// ---------------------------------------------------------------------------------------------
// The command

interface Settings {
  target: BrokerTarget;
  samples: Sample[];
  count: number;
  rate: number | undefined;
  topic: string | undefined;
  qos: 0 | 1 | 2;
  vary: boolean;
  syntheticFiles: boolean;
  quiet: boolean;
  inflight: number;
  ackTimeoutMs: number;
  connectTimeoutMs: number;
}

function settings(args: string[], io: CommandIo): Settings | number {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  const target = brokerTarget(values, io.env, '', 'wis2-simulate');
  const qos = numberOption('qos', values.qos, 1, { min: 0, max: 2, integer: true }) as 0 | 1 | 2;
  const rate = values.rate === undefined ? undefined : numberOption('rate', values.rate, 0, { min: 0.001 });
  const inflight = numberOption('inflight', values.inflight, 100, { min: 1, max: 65535, integer: true });
  const ackTimeoutMs = numberOption('ack-timeout', values['ack-timeout'], 30, { min: 0.1, max: 86400 }) * 1000;
  const connectTimeoutMs = numberOption('connect-timeout', values['connect-timeout'], 10, { min: 0.1, max: 86400 }) * 1000;
  if (values.topic !== undefined) checkTopicName(values.topic);
  const countRaw = values.count;
  const count = countRaw === undefined ? undefined : numberOption('count', countRaw, 0, { min: 1, integer: true });

  const samples = loadSamples(values.events ?? SAMPLES_DIR, io);
  const total = count ?? samples.length;
  if (values.vary === true) {
    const passes = Math.ceil(total / samples.length) - 1;
    const short = samples.find((s) => (s.renamer?.capacity ?? Number.MAX_SAFE_INTEGER) < passes);
    if (short) throw new UsageError(`--vary cannot make ${passes} new files out of ${short.file}: its numbering allows ${short.renamer?.capacity ?? 0}`);
  }
  return {
    target,
    samples,
    count: total,
    rate,
    topic: values.topic,
    qos,
    vary: values.vary === true,
    syntheticFiles: values['synthetic-files'] === true,
    quiet: values.quiet === true,
    inflight,
    ackTimeoutMs,
    connectTimeoutMs,
  };
}

interface InFlight {
  topic: string;
  id: string;
  hrefs: string[];
  settled: boolean;
}

/** What the publishing loop and the callbacks that wake it share. */
interface RunState {
  published: number;
  failed: number;
  /** no new event is published */
  stopped: boolean;
  interrupted: boolean;
  /** set when events in flight are given up for lost */
  abortReason: string | undefined;
  /** when publishing began (the connection was made): the origin of the schedule and of `seconds` */
  started: number;
  lastProgress: number;
  /** after a stop request, when events in flight are given up */
  graceEnds: number;
}

async function simulate(s: Settings, io: CommandIo): Promise<number> {
  const st: RunState = {
    published: 0,
    failed: 0,
    stopped: false,
    interrupted: false,
    abortReason: undefined,
    started: performance.now(),
    lastProgress: performance.now(),
    graceEnds: Infinity,
  };
  const pending = new Set<InFlight>();

  // The loop below is the only waiter: acknowledgements, the rate timer and stop requests wake it.
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const nextChange = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  // read through a call: the flags change in callbacks while the loop awaits
  const halted = (): boolean => st.stopped;

  const summary = (): number => {
    const seconds = (performance.now() - st.started) / 1000;
    const line: Record<string, unknown> = { published: st.published, failed: st.failed, seconds: rounded(seconds, 3), rate: rounded(seconds > 0 ? st.published / seconds : 0, 1) };
    const unsent = s.count - st.published - st.failed;
    if (unsent > 0) line.unsent = unsent;
    if (st.interrupted) line.interrupted = true;
    io.out(JSON.stringify(line));
    return st.published === s.count && st.failed === 0 ? 0 : 1;
  };

  const connecting = new AbortController();
  const stopListening = io.onStop?.(() => {
    if (st.stopped) return;
    st.stopped = true;
    st.interrupted = true;
    st.graceEnds = performance.now() + STOP_GRACE_MS;
    connecting.abort();
    notify();
  });

  let client: MqttClient;
  try {
    client = await connectBroker(s.target, s.connectTimeoutMs, connecting.signal);
  } catch (err) {
    stopListening?.();
    if (!st.interrupted) io.err(errorLine('mqtt.connect', errorText(err)));
    return summary();
  }
  watchConnection(client, io);
  st.started = performance.now();

  const settle = (entry: InFlight, err: unknown): void => {
    if (entry.settled) return;
    entry.settled = true;
    pending.delete(entry);
    st.lastProgress = performance.now();
    if (err === undefined) {
      st.published++;
      if (!s.quiet) io.out(`PUBLISHED ${field(entry.topic)} ${field(entry.id)} ${entry.hrefs.map(field).join(' ') || '-'}`);
    } else {
      st.failed++;
      if (!s.quiet) io.out(`FAILED ${field(entry.topic)} ${field(entry.id)} ${errorText(err)}`);
    }
    notify();
  };

  const watchdog = setInterval(() => {
    const now = performance.now();
    if (pending.size > 0 && (now - st.lastProgress > s.ackTimeoutMs || now > st.graceEnds)) {
      st.abortReason = st.interrupted ? 'interrupted before the broker acknowledged' : `no acknowledgement within ${s.ackTimeoutMs / 1000} s`;
      st.stopped = true;
      notify();
    }
  }, Math.min(250, s.ackTimeoutMs / 4));

  const publishOptions: IClientPublishOptions = { qos: s.qos, retain: false };
  if (s.target.options.protocolVersion === 5) publishOptions.properties = { contentType: CLOUDEVENTS_CONTENT_TYPE };
  const passLength = s.samples.length;
  for (let i = 0; i < s.count && !halted(); i++) {
    if (s.rate !== undefined) {
      // An absolute schedule, so that waiting for acknowledgements does not make the rate drift.
      const due = st.started + (i * 1000) / s.rate;
      while (!halted()) {
        const wait = due - performance.now();
        if (wait <= 0) break;
        const timer = setTimeout(notify, wait);
        await nextChange();
        clearTimeout(timer);
      }
    }
    while (pending.size >= s.inflight && !halted()) await nextChange();
    if (halted()) break;
    const sample = s.samples[i % passLength];
    const pass = Math.floor(i / passLength);
    let payload: Buffer = sample.bytes;
    let id = sample.id;
    let hrefs = sample.hrefs;
    if (s.vary && pass > 0) {
      const v = variant(sample, pass, new Date());
      payload = Buffer.from(JSON.stringify(v.event));
      id = v.id;
      hrefs = v.hrefs;
    }
    if (s.syntheticFiles) payload = Buffer.from(JSON.stringify(announceSyntheticFiles(JSON.parse(payload.toString('utf8')) as Json)));
    const entry: InFlight = { topic: s.topic ?? sample.topic, id, hrefs, settled: false };
    if (pending.size === 0) st.lastProgress = performance.now();
    pending.add(entry);
    client.publish(entry.topic, payload, publishOptions, (err) => {
      settle(entry, err ?? undefined);
    });
  }
  while (pending.size > 0 && st.abortReason === undefined) await nextChange();
  clearInterval(watchdog);
  const lost = st.abortReason;
  for (const entry of [...pending]) settle(entry, new Error(lost ?? 'not acknowledged'));
  if (lost !== undefined) io.err(errorLine(st.interrupted ? 'mqtt.interrupted' : 'mqtt.ack_timeout', lost));
  await endClient(client, lost !== undefined);
  stopListening?.();
  return summary();
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  let s: Settings | number;
  try {
    s = settings(args, io);
  } catch (err) {
    if (isUsageError(err)) {
      io.err(`wis2 simulate: ${err.message}\n${USAGE}`);
      return EX_USAGE;
    }
    if (err instanceof InputError) {
      io.err(errorLine(err.code, err.message));
      return err.exitCode;
    }
    throw err;
  }
  if (typeof s === 'number') return s;
  return simulate(s, io);
}
