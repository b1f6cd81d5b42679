/**
 * The broker side of the MQTT commands (MQTT.js keeps connecting apart from the protocol too):
 * the options they share, the broker URL and its credentials, connecting, and leaving.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { UsageError, errorText, numberOption, warningLine } from './command';
import type { CommandIo } from './io';

/** --url, --username, --password, --mqtt-version: what every MQTT command reads alike. */
export const BROKER_OPTIONS = {
  url: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'mqtt-version': { type: 'string' },
} satisfies ParseArgsConfig['options'];

export const CONNECT_TIMEOUT_OPTION = {
  'connect-timeout': { type: 'string' },
} satisfies ParseArgsConfig['options'];

/** `--connect-timeout S` in milliseconds (default 10 s). */
export function connectTimeoutOption(raw: string | undefined, maxSeconds = 86400): number {
  return numberOption('connect-timeout', raw, 10, { min: 0.1, max: maxSeconds }) * 1000;
}

export interface BrokerTarget {
  /** the URL without its credentials: safe to print */
  url: string;
  options: IClientOptions;
}

/** The broker options every MQTT command takes, as parseArgs gives them. */
export interface BrokerOptionValues {
  url?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  'mqtt-version'?: string | undefined;
}

/** An MQTT topic name to publish on: MQTT forbids wildcards and NUL there. */
export function checkTopicName(topic: string): void {
  if (topic === '' || /[+#]/.test(topic) || topic.includes('\u0000') || Buffer.byteLength(topic) > 65535) {
    throw new UsageError(`--topic "${topic}" is not an MQTT topic name (non-empty, no + or # wildcards)`);
  }
}

/** The URL as given, and the credentials it carries (percent-decoded), which it then loses. */
function splitBrokerUrl(rawUrl: string | undefined): { url: URL; username: string; password: string } {
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
  let credentials: { username: string; password: string };
  try {
    credentials = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  } catch {
    throw new UsageError('--url has a malformed percent-escape in its credentials');
  }
  url.username = '';
  url.password = '';
  return { url, ...credentials };
}

function protocolVersion(given: string | undefined): 4 | 5 {
  if (given === undefined || given === '3.1.1' || given === '4') return 4;
  if (given === '5' || given === '5.0') return 5;
  throw new UsageError(`--mqtt-version is 3.1.1 or 5, got "${given}"`);
}

/**
 * Reads the broker URL and the credentials. Credentials are taken out of the URL (and
 * percent-decoded, which mqtt.js does not do) so the URL can be printed.
 */
export function brokerTarget(values: BrokerOptionValues, env: NodeJS.ProcessEnv, envPrefix: '' | 'WIS2_', clientPrefix: string): BrokerTarget {
  const { url, ...fromUrl } = splitBrokerUrl(values.url);
  const options: IClientOptions = {
    protocolVersion: protocolVersion(values['mqtt-version']),
    clientId: `${clientPrefix}-${randomBytes(6).toString('hex')}`,
    clean: true,
    reconnectPeriod: 1000,
  };
  const username = values.username ?? (fromUrl.username || env[`${envPrefix}MQTT_USERNAME`]);
  const password = values.password ?? (fromUrl.password || env[`${envPrefix}MQTT_PASSWORD`] || passwordFile(env[`${envPrefix}MQTT_PASSWORD_FILE`], `${envPrefix}MQTT_PASSWORD_FILE`));
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
    io.err(warningLine('mqtt.disconnected', `lost the broker (${reason}); reconnecting`));
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
    io.err(warningLine('mqtt.reconnected', 'connected to the broker again'));
  });
}

export function endClient(client: MqttClient, force: boolean): Promise<void> {
  return new Promise((resolve) => {
    client.end(force, {}, () => {
      resolve();
    });
  });
}

/**
 * The client of a command that publishes (reconcile, replay), connected and watched; none for
 * a dry run, which publishes nothing.
 */
export async function publisher(values: BrokerOptionValues, io: CommandIo, dryRun: boolean, envPrefix: '' | 'WIS2_', clientPrefix: string): Promise<{ client: MqttClient; target: BrokerTarget } | undefined> {
  if (dryRun) return undefined;
  const target = brokerTarget(values, io.env, envPrefix, clientPrefix);
  const client = await connectBroker(target, 10_000);
  watchConnection(client, io);
  return { client, target };
}
