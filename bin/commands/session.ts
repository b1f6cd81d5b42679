/**
 * `wis2 session drop`: removes the persistent session a runtime leaves on a broker (clean
 * session off, or an MQTT 5 session expiry). The broker keeps such a session, and queues every
 * QoS 1 message its subscriptions match, after the runtime is gone for good; on a shared broker
 * that queue grows until the broker's own limits drop it.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { connect, type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import type { CommandIo } from '../cli/io';
import { HELP_OPTION, UsageError, errorLine, errorMessage, runCommand } from '../cli/command';
import { BROKER_OPTIONS, CONNECT_TIMEOUT_OPTION, brokerTarget, connectTimeoutOption, endClient, type BrokerTarget } from '../cli/mqtt';

const USAGE = `usage:
  wis2 session drop --url URL --client-id ID [--username U] [--password P]
                    [--mqtt-version 3.1.1|5] [--connect-timeout S]
      removes the persistent session the broker keeps under client id ID, with its
      subscriptions and the messages queued for it: it connects once under that id to learn
      whether a session is there (the messages queued for it may be delivered to this command
      and are dropped), then once more with a clean session (MQTT 5: clean start, session
      expiry 0), which the broker ends with the connection. Run it while no runtime uses ID:
      a broker gives the id to the newest connection and disconnects the other.

  --url URL          broker: mqtt://, mqtts://, ws:// or wss://, credentials allowed (user:pass@host)
  --client-id ID     the client id of the session (MQTT_CLIENT_ID of the runtime; the Argo
                     flow's default is wis2-pipeline-<host name>)
  --username, --password   credentials (else from the URL, else MQTT_USERNAME / MQTT_PASSWORD,
                           or the password from the file MQTT_PASSWORD_FILE names)
  --mqtt-version V   3.1.1 (default) or 5
  --connect-timeout S  how long to wait for the broker's answer (default 10)

  prints {"dropped":{"url","clientId","sessionPresent"}} (sessionPresent: whether the broker
  held a session under that id); exit 0 once the session is gone, 1 when the broker cannot be
  reached or refuses the connection, 64 on usage errors`;

const OPTIONS = {
  ...BROKER_OPTIONS,
  'client-id': { type: 'string' },
  ...CONNECT_TIMEOUT_OPTION,
  ...HELP_OPTION,
} satisfies ParseArgsConfig['options'];

interface Settings {
  target: BrokerTarget;
  clientId: string;
  timeoutMs: number;
}

function settings(args: string[], io: CommandIo): Settings | number {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'drop') throw new UsageError(positionals.length === 0 ? 'a command is required: drop' : `unknown command "${positionals.join(' ')}"`);
  const clientId = values['client-id'];
  // an empty id would be a new random session, not the one to remove
  if (clientId === undefined || clientId === '' || clientId.includes('\u0000') || Buffer.byteLength(clientId) > 65535) throw new UsageError('--client-id is required: the client id of the session to drop');
  const target = brokerTarget(values, io.env, '', 'wis2-session');
  const timeoutMs = connectTimeoutOption(values['connect-timeout'], 3600);
  return { target, clientId, timeoutMs };
}

/** Connects under `clientId`, once (no retry: a second connection would be a second session), with the broker's CONNACK. */
function connectAs(s: Settings, clean: boolean): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  const options: IClientOptions = { ...s.target.options, clientId: s.clientId, clean, reconnectPeriod: 0, connectTimeout: s.timeoutMs };
  // MQTT 5: expiry 0 ends the session with this connection, whichever clean start says
  if (options.protocolVersion === 5) options.properties = { ...options.properties, sessionExpiryInterval: 0 };
  return new Promise((resolve, reject) => {
    const client = connect(s.target.url, options);
    const onError = (err: Error): void => {
      settle();
      client.end(true);
      reject(new Error(`the broker refused the connection: ${err.message}`));
    };
    const onClose = (): void => {
      settle();
      client.end(true);
      reject(new Error(`cannot connect to ${s.target.url}`));
    };
    const onConnect = (connack: IConnackPacket): void => {
      settle();
      // ended at once by the caller: a late socket error has nothing left to tell
      client.on('error', () => undefined);
      resolve({ client, sessionPresent: connack.sessionPresent });
    };
    const settle = (): void => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}

async function drop(s: Settings, io: CommandIo): Promise<number> {
  try {
    const probe = await connectAs(s, false);
    await endClient(probe.client, true);
    const clean = await connectAs(s, true);
    await endClient(clean.client, false);
    io.out(JSON.stringify({ dropped: { url: s.target.url, clientId: s.clientId, sessionPresent: probe.sessionPresent } }));
    return 0;
  } catch (err) {
    io.err(errorLine('session.connect', errorMessage(err)));
    return 1;
  }
}

export function run(args: string[], io: CommandIo): Promise<number> {
  return runCommand('session', USAGE, io, () => settings(args, io), (s) => drop(s, io));
}
