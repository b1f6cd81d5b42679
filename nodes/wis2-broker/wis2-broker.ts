import fs from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Node, NodeAPI } from 'node-red';
import { defaultClientId, type BrokerNode, type BrokerNodeDef } from '../common/broker-node';
import { wholeNumber } from '../lib/core/numbers';
import { setting, stateDir } from '../common/state';
import { fallBackWhenRefused, isVersionRefusal, protocolSetting, sessionExpiryFor } from '../lib/publish/mqtt-version';
import { BrokerController, type BrokerEvents, type Connection } from '../lib/publish/broker-controller';
import { LogLimiter } from '../common/log-limiter';
import { readAtScrape } from '../common/metrics';
import { pipelineMetrics, recordProblem } from '../common/pipeline-metrics';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface Credentials {
  user: unknown;
  password: unknown;
}

function int(value: string | number, fallback: number, min = 0): number {
  return wholeNumber(value, min) ?? fallback;
}

const persistent = (def: BrokerNodeDef): boolean => def.cleanSession === false || def.cleanSession === 'false';

/**
 * mqtt.js logs through `debug`, whose functions gather their arguments into an array on every
 * call, printed or not: several calls per packet, about 3.5 kB allocated per notification of the
 * Argo flow. Without DEBUG in the environment `debug` prints nothing, so the calls go to a
 * function that takes no arguments; with it, mqtt.js logs as it always does.
 */
const quietLog = (): void => undefined;

/** A new MQTT client for the broker node, with the settings of its dialog. */
function connectClient(RED: NodeAPI, node: BrokerNode & { credentials: Credentials }, def: BrokerNodeDef, url: string): Connection<MqttClient> {
  const protocol = protocolSetting(def.protocolVersion);
  const options: IClientOptions = {
    clientId: def.clientId || defaultClientId(node.id, RED.util.generateId()),
    clean: !persistent(def),
    protocolVersion: protocol === '4' ? 4 : 5,
    keepalive: int(def.keepalive, 60),
    reconnectPeriod: int(setting(RED, 'mqttReconnectTime') as string | number, 2000, 100),
    connectTimeout: 10_000,
    // unacknowledged publishes wait in the outbox, not in an unbounded client queue
    queueQoSZero: false,
    // mqtt.js would otherwise restart its keepalive timer on every acknowledgement it receives
    // (a clearInterval and a setInterval per notification); without, it sends a PINGREQ every
    // keepalive period whatever the traffic, and a connection whose PINGRESP does not come is
    // still given up on
    reschedulePings: false,
  };
  if (!process.env.DEBUG) options.log = quietLog;
  const { user, password } = node.credentials;
  if (typeof user === 'string' && user !== '') options.username = user;
  if (typeof password === 'string' && password !== '') options.password = password;
  if (options.protocolVersion === 5) {
    const expiry = sessionExpiryFor(options.clean ?? true, wholeNumber(def.sessionExpiry, 1));
    if (expiry !== undefined) options.properties = { sessionExpiryInterval: expiry };
  }
  if (def.caFile) options.ca = fs.readFileSync(def.caFile);
  const client = mqtt.connect(url, options);
  const connection: Connection<MqttClient> = { client, clientId: options.clientId ?? '', clean: options.clean ?? true };
  if (protocol === 'auto') {
    fallBackWhenRefused(client, (reason) => { node.warn(RED._('wis2-broker.log.fallback', { url, reason })); });
    // under `auto` a refusal of MQTT 5 is the fallback's business, which says so once
    connection.ignoreError = isVersionRefusal;
  }
  return connection;
}

export = function register(RED: NodeAPI): void {
  function Wis2BrokerNode(this: Node<Credentials>, saved: BrokerNodeDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    // the methods below are added to this very object, which other nodes reach by its id
    const node = this as unknown as BrokerNode & { credentials: Credentials };
    const url = (def.url || '').trim();
    if (!/^(mqtts?|wss?):\/\/[^\s]+$/.test(url)) node.configError = RED._('wis2-broker.error.url', { url });
    const shareGroup = (def.shareGroup ?? '').trim();
    if (shareGroup !== '') {
      // a group name is one topic level: MQTT 5 §4.8.2 forbids '/', '+' and '#' in it
      if (/[/+#]/.test(shareGroup) || shareGroup.includes('\u0000')) node.configError = RED._('wis2-broker.error.shareGroup', { group: shareGroup });
      else node.shareGroup = shareGroup;
    }
    node.stateDir = (...parts: string[]) => stateDir(RED, ...parts);
    node.metricsName = def.name || url.replace(/\/\/[^/@]*@/, '//');
    const labels = { broker: node.metricsName };
    if (persistent(def)) pipelineMetrics.sessionLost.inc(labels, 0);

    // every refusal is said, but a broker refusing a whole stream does not flood the log
    const refusals = new LogLimiter(
      (text) => { node.warn(text); },
      (count, last) => RED._('wis2-broker.log.refusedMore', { count, last }),
    );
    const events: BrokerEvents = {
      state: (state) => { pipelineMetrics.connected.set(labels, state.connected ? 1 : 0); },
      connected: (clientId, version) => { node.log(RED._('wis2-broker.log.connected', { url, clientId, version })); },
      error: (message) => { node.warn(RED._('wis2-broker.log.error', { url, message })); },
      sessionLost: (time, clientId) => {
        pipelineMetrics.sessionLost.inc(labels);
        recordProblem({ time, kind: 'session-lost', code: 'broker.session_lost', message: RED._('wis2-broker.log.sessionLost', { url, clientId }), where: node.metricsName });
        node.warn(RED._('wis2-broker.log.sessionLost', { url, clientId }));
      },
      outboxWriteFailed: (err) => { node.warn(RED._('wis2-broker.log.outboxWrite', { url, message: err.message })); },
      ackWriteFailed: (err) => { node.warn(RED._('wis2-broker.log.ackWrite', { url, message: err.message })); },
      publishedWriteFailed: (err) => { node.warn(RED._('wis2-broker.log.publishedWrite', { message: err.message })); },
      refused: (record, err) => {
        refusals.report(`${record.topic} ${String(err.code)}`, RED._('wis2-broker.log.refused', { url, topic: record.topic, message: err.message, code: String(err.code) }));
      },
      closing: () => { refusals.flush(); },
    };
    const settings = {
      url,
      outboxDir: node.stateDir('outbox', node.id),
      publishedDir: node.stateDir('published', node.id),
      maxQueueBytes: int(def.maxQueueMB, 256, 1) * 1024 * 1024,
      window: int(def.window, 64, 1),
      keepDays: int(def.keepDays ?? 7, 7, 0),
      ...(def.clientId ? { sessionFile: node.stateDir('sessions', `${node.id}.json`) } : {}),
    };
    const controller = new BrokerController(settings, () => connectClient(RED, node, def, url), events);
    // read when the metrics are, rather than set on every notification queued or acknowledged
    const unsampled = [
      readAtScrape(pipelineMetrics.outboxMessages, labels, () => controller.backlog()?.messages),
      readAtScrape(pipelineMetrics.outboxBytes, labels, () => controller.backlog()?.bytes),
    ];

    node.use = (user, onState) => controller.use(user.id, onState);
    node.outbox = () => controller.outbox();
    node.totals = () => controller.totals();
    node.backpressure = (user, busy) => { controller.backpressure(user.id, busy); };
    node.wake = () => { controller.wake(); };
    node.release = (user) => controller.release(user.id);
    node.on('close', (done: () => void) => {
      // a broker taken out of the flows has no connection to report; a redeploy sets it again
      pipelineMetrics.connected.remove(labels);
      for (const stop of unsampled) stop();
      controller.closeAll().then(done, done);
    });
  }

  // The broker's totals, which no node status shows (a config node has none): the dialog reads them.
  RED.httpAdmin.get('/wis2-broker/:id/totals', RED.auth.needsPermission('wis2-broker.read'), (req, res) => {
    const id = req.params.id;
    const broker = typeof id === 'string' ? (RED.nodes.getNode(id) as BrokerNode | null) : null;
    if (broker?.type !== 'wis2-broker') {
      res.status(404).json({ error: 'not deployed' });
      return;
    }
    res.json(broker.totals());
  });

  RED.nodes.registerType('wis2-broker', Wis2BrokerNode, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
    settings: { wis2BrokerStateDir: { value: '', exportable: false } },
  });
};
