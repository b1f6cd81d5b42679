import fs from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Node, NodeAPI } from 'node-red';
import { defaultClientId, type BrokerConnectionState, type BrokerNode, type BrokerNodeDef, type BrokerTotals } from '../common/broker-node';
import { wholeNumber } from '../lib/core/numbers';
import { setting, stateDir } from '../common/state';
import { Journal } from '../lib/reliability/journal';
import { fallBackWhenRefused, isVersionRefusal, protocolSetting, sessionExpiryFor } from '../lib/publish/mqtt-version';
import { Outbox, type OutboxRecord } from '../lib/reliability/outbox';
import { PublishedLog } from '../lib/reliability/published-log';
import { LogLimiter } from '../common/log-limiter';
import { pipelineMetrics, recordProblem } from '../common/pipeline-metrics';
import { SessionMemory } from '../lib/reliability/session-memory';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface Credentials {
  user: unknown;
  password: unknown;
}

function int(value: string | number, fallback: number, min = 0): number {
  return wholeNumber(value, min) ?? fallback;
}

export = function register(RED: NodeAPI): void {
  function Wis2BrokerNode(this: Node<Credentials>, saved: BrokerNodeDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    // the methods below are added to this very object, which other nodes reach by its id
    const node = this as unknown as BrokerNode & { credentials: Credentials };
    const users = new Map<string, (state: BrokerConnectionState) => void>();
    let client: MqttClient | undefined;
    let outbox: Outbox | undefined;
    let journal: Journal | undefined;
    let published: PublishedLog | undefined;
    let lastError: string | undefined;
    const busyChecks = new Map<string, () => boolean>();
    let waiting: (() => void)[] = [];
    const busy = (): boolean => {
      for (const check of busyChecks.values()) if (check()) return true;
      return false;
    };

    // every refusal is said, but a broker refusing a whole stream does not flood the log
    const refusals = new LogLimiter(
      (text) => { node.warn(text); },
      (count, last) => RED._('wis2-broker.log.refusedMore', { count, last }),
    );

    const url = (def.url || '').trim();
    if (!/^(mqtts?|wss?):\/\/[^\s]+$/.test(url)) {
      node.configError = RED._('wis2-broker.error.url', { url });
    }
    const shareGroup = (def.shareGroup ?? '').trim();
    if (shareGroup !== '') {
      // a group name is one topic level: MQTT 5 §4.8.2 forbids '/', '+' and '#' in it
      if (/[/+#]/.test(shareGroup) || shareGroup.includes('\u0000')) node.configError = RED._('wis2-broker.error.shareGroup', { group: shareGroup });
      else node.shareGroup = shareGroup;
    }

    node.stateDir = (...parts: string[]) => stateDir(RED, ...parts);
    node.metricsName = def.name || url.replace(/\/\/[^/@]*@/, '//');
    const metricLabels = { broker: node.metricsName };
    let sessionLost: string | undefined;
    if (def.cleanSession === false || def.cleanSession === 'false') pipelineMetrics.sessionLost.inc(metricLabels, 0);

    function broadcast(): void {
      const state: BrokerConnectionState = { connected: client?.connected ?? false };
      if (lastError !== undefined && !state.connected) state.error = lastError;
      if (sessionLost !== undefined) state.sessionLost = sessionLost;
      pipelineMetrics.connected.set(metricLabels, state.connected ? 1 : 0);
      for (const listener of users.values()) listener(state);
    }

    // Whether the broker should still hold a session of ours: known across restarts of the
    // runtime when the client id is fixed (a generated one is new at every start).
    let sessions: SessionMemory | undefined;
    function checkSession(clean: boolean, clientId: string, sessionPresent: boolean): void {
      // only inputs (which hold the connection back) have subscriptions for a session to keep;
      // a broker may well forget the empty session of a connection that only publishes
      if (clean || busyChecks.size === 0) return;
      sessions ??= new SessionMemory(def.clientId ? node.stateDir('sessions', `${node.id}.json`) : undefined);
      const lost = sessions.connected(url, clientId, sessionPresent);
      if (!lost) return;
      sessionLost = new Date().toISOString();
      pipelineMetrics.sessionLost.inc(metricLabels);
      recordProblem({ time: sessionLost, kind: 'session-lost', code: 'broker.session_lost', message: RED._('wis2-broker.log.sessionLost', { url, clientId }), where: node.metricsName });
      node.warn(RED._('wis2-broker.log.sessionLost', { url, clientId }));
    }

    function connect(): MqttClient {
      const protocol = protocolSetting(def.protocolVersion);
      const options: IClientOptions = {
        clientId: def.clientId || defaultClientId(node.id, RED.util.generateId()),
        clean: !(def.cleanSession === false || def.cleanSession === 'false'),
        protocolVersion: protocol === '4' ? 4 : 5,
        keepalive: int(def.keepalive, 60),
        reconnectPeriod: int(setting(RED, 'mqttReconnectTime') as string | number, 2000, 100),
        connectTimeout: 10_000,
        // unacknowledged publishes wait in the outbox, not in an unbounded client queue
        queueQoSZero: false,
      };
      const { user, password } = node.credentials;
      if (typeof user === 'string' && user !== '') options.username = user;
      if (typeof password === 'string' && password !== '') options.password = password;
      if (options.protocolVersion === 5) {
        const expiry = sessionExpiryFor(options.clean ?? true, wholeNumber(def.sessionExpiry, 1));
        if (expiry !== undefined) options.properties = { sessionExpiryInterval: expiry };
      }
      if (def.caFile) options.ca = fs.readFileSync(def.caFile);
      const c = mqtt.connect(url, options);
      if (protocol === 'auto') {
        fallBackWhenRefused(c, (reason) => {
          node.warn(RED._('wis2-broker.log.fallback', { url, reason }));
        });
      }
      // mqtt.js reads the next packet only once this calls back: holding it is back-pressure
      c.handleMessage = (_packet, callback) => {
        if (busy()) waiting.push(callback);
        else callback();
      };
      c.on('connect', (connack) => {
        checkSession(options.clean ?? true, options.clientId ?? '', connack.sessionPresent);
        // Publishing and acknowledging on one connection meets Nagle's algorithm and delayed
        // ACKs: tens of milliseconds per message. Small MQTT packets go out at once instead.
        const stream = c.stream as { setNoDelay?: (on: boolean) => void } | undefined;
        stream?.setNoDelay?.(true);
        node.log(RED._('wis2-broker.log.connected', { url, clientId: options.clientId ?? '', version: c.options.protocolVersion === 5 ? '5' : '3.1.1' }));
        lastError = undefined;
        broadcast();
      });
      c.on('close', () => {
        // Held acknowledgements belong to the connection that carried their packets: sent on the
        // next one they could acknowledge another message under a reused packet id. The broker
        // redelivers what stays unacknowledged in the session, and the input knows its ids.
        waiting = [];
        broadcast();
      });
      c.on('offline', broadcast);
      c.on('error', (err) => {
        // under `auto` a refusal of MQTT 5 is the fallback's business, which says so once
        if (protocol === 'auto' && isVersionRefusal(err)) return;
        if (err.message !== lastError) node.warn(RED._('wis2-broker.log.error', { url, message: err.message }));
        lastError = err.message;
        broadcast();
      });
      return c;
    }

    node.use = (user: Node, onState: (state: BrokerConnectionState) => void): MqttClient => {
      users.set(user.id, onState);
      client ??= connect();
      setImmediate(broadcast);
      return client;
    };

    node.outbox = (): Outbox => {
      if (!outbox) {
        client ??= connect();
        journal = Journal.open({
          dir: node.stateDir('outbox', node.id),
          maxBytes: int(def.maxQueueMB, 256, 1) * 1024 * 1024,
        });
        outbox = new Outbox(journal, client, int(def.window, 64, 1));
        const j = journal;
        let bytesDue: NodeJS.Immediate | undefined;
        outbox.on('stats', (stats: { queued: number }) => {
          pipelineMetrics.outboxMessages.set(metricLabels, stats.queued);
          // read once the outbox has written down the acknowledgements it just gathered: queued
          // after its own write, so moved behind each new one
          if (bytesDue) clearImmediate(bytesDue);
          bytesDue = setImmediate(() => {
            bytesDue = undefined;
            if (journal === j) pipelineMetrics.outboxBytes.set(metricLabels, j.pendingBytes());
          });
        });
        outbox.on('warning', (err: Error) => {
          node.warn(RED._('wis2-broker.log.ackWrite', { url, message: err.message }));
        });
        const keepDays = int(def.keepDays ?? 7, 7, 0);
        if (keepDays > 0) {
          published ??= new PublishedLog(node.stateDir('published', node.id), keepDays);
          const log = published;
          outbox.on('sent', (_seq: number, record: OutboxRecord) => {
            if (!record.topic.startsWith('origin/')) return;
            try {
              log.append(record.topic, record.payload);
            } catch (err) {
              // the notification is out: only a later replay of it is at stake
              node.warn(RED._('wis2-broker.log.publishedWrite', { message: (err as Error).message }));
            }
          });
        }
        outbox.on('refused', (_seq: number, record: OutboxRecord, err: Error & { code?: number }) => {
          refusals.report(`${record.topic} ${String(err.code)}`, RED._('wis2-broker.log.refused', { url, topic: record.topic, message: err.message, code: String(err.code) }));
        });
        outbox.pump();
        pipelineMetrics.outboxMessages.set(metricLabels, outbox.stats().queued);
        pipelineMetrics.outboxBytes.set(metricLabels, journal.pendingBytes());
      }
      return outbox;
    };

    node.totals = (): BrokerTotals => {
      const totals: BrokerTotals = { url, connected: client?.connected ?? false, users: users.size };
      if (lastError !== undefined && !totals.connected) totals.error = lastError;
      if (outbox) {
        const { queued, inflight, sent, refused } = outbox.stats();
        totals.outbox = { queued, inflight, sent, refused };
      }
      return totals;
    };

    node.backpressure = (user: Node, check: () => boolean): void => {
      busyChecks.set(user.id, check);
    };
    node.wake = (): void => {
      if (waiting.length === 0 || busy()) return;
      const ready = waiting;
      waiting = [];
      for (const callback of ready) callback();
    };

    node.release = async (user: Node): Promise<void> => {
      users.delete(user.id);
      busyChecks.delete(user.id);
      node.wake();
      if (users.size > 0) return;
      await closeAll();
    };

    async function closeAll(): Promise<void> {
      refusals.flush();
      busyChecks.clear();
      node.wake();
      outbox?.close();
      outbox = undefined;
      published?.close();
      published = undefined;
      const c = client;
      client = undefined;
      // forced: a graceful end would wait for publishes the broker may never answer; what is
      // unacknowledged stays in the outbox journal and goes out after the next start
      if (c) {
        await new Promise<void>((resolve) => {
          c.end(true, {}, () => {
            resolve();
          });
        });
      }
      journal?.close();
      journal = undefined;
    }

    node.on('close', (done: () => void) => {
      users.clear();
      // a broker taken out of the flows has no connection to report; a redeploy sets it again
      pipelineMetrics.connected.remove(metricLabels);
      closeAll().then(done, done);
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
