import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { BrokerConnectionState, BrokerNode } from '../common/broker-node';
import { datasetLabel, type DatasetNode } from '../common/dataset-node';
import { counter, histogram } from '../common/metrics';
import { wholeNumber } from '../lib/core/numbers';
import { registerPublished, registerReadBack } from '../common/published';
import { onOutput, reject, rejectMessage, type RejectPort } from '../common/reject';
import { stateDir } from '../common/state';
import { StatusCounter } from '../common/status';
import { CacheTracker, DEFAULT_WINDOW_MS, readBackFilter, readsBack } from '../lib/feedback/cache-tracker';
import { runtimeTurn } from '../lib/reliability/turn-writes';
import { describeError } from '../lib/core/errors';
import { topicMatches } from '../lib/publish/mqtt-topic';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface TrackerDef extends NodeDef {
  broker: string;
  dataset: string;
  /** empty: the dataset's centre id */
  centreId?: string;
  /** minutes before a file no cache announced is missed */
  window?: string | number;
  /** most files remembered */
  memorySize?: string | number;
  /** also take our notifications as the Global Broker republishes them on origin/a/wis2/<centre-id>/data/# */
  origin?: boolean | string;
}

interface CacheTrackerNode extends Node {
  tracker?: CacheTracker;
}

const MAX_CACHE_LABELS = 32;

const REJECT: RejectPort = { outputs: 3, index: 2 };

export = function register(RED: NodeAPI): void {
  function Wis2CacheTrackerNode(this: CacheTrackerNode, saved: TrackerDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const node = this;
    const broker = RED.nodes.getNode(def.broker) as BrokerNode | null;
    const dataset = RED.nodes.getNode(def.dataset) as DatasetNode | null;
    const centreId = (def.centreId ?? '').trim() || dataset?.dataset?.centreId || '';
    let connection: BrokerConnectionState = { connected: false };
    const status = new StatusCounter(node, ['published', 'cached', 'missed', 'rejected', 'ignored'] as const, (c) => ({
      fill: !connection.connected ? 'red' : c.missed > 0 ? 'yellow' : 'green',
      shape: connection.connected ? 'dot' : 'ring',
      text: RED._('wis2-cache-tracker.status.counts', { ...c, waiting: node.tracker?.pending() ?? 0 }),
    }));
    if (!broker || broker.configError || !/^[a-z0-9][a-z0-9_-]*$/.test(centreId)) {
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-cache-tracker.status.configError' });
      node.error(!broker ? RED._('wis2-cache-tracker.error.noBroker') : (broker.configError ?? RED._('wis2-cache-tracker.error.centre')));
      return;
    }
    // a fraction of a minute is allowed: short windows make demos and tests practical
    const minutes = typeof def.window === 'number' ? def.window : Number((def.window ?? '').trim() || NaN);
    const windowMs = Number.isFinite(minutes) && minutes > 0 ? minutes * 60_000 : DEFAULT_WINDOW_MS;
    const size = wholeNumber(def.memorySize, 1);
    let tracker: CacheTracker;
    try {
      tracker = CacheTracker.open({
        file: stateDir(RED, 'cache-tracker', `${node.id}.jsonl`),
        windowMs,
        ...(size === undefined ? {} : { maxEntries: size }),
        turn: { writes: runtimeTurn, onError: (err) => { node.warn(RED._('wis2-cache-tracker.error.memory', { message: err.message })); } },
      });
    } catch (err) {
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-cache-tracker.status.configError' });
      node.error(RED._('wis2-cache-tracker.error.memory', { message: (err as Error).message }));
      return;
    }
    node.tracker = tracker;
    const arrivals = counter('wis2_cache_arrivals_total', 'republications of our files by the Global Caches, by cache centre id', ['cache'] as const);
    const delays = histogram('wis2_cache_delay_seconds', 'seconds from our pubtime to a Global Cache\'s, by cache centre id', ['cache'] as const);
    const missedFiles = counter('wis2_cache_missed_total', 'files no Global Cache announced within the window', ['dataset'] as const);
    const datasetName = datasetLabel(dataset);
    // there are a handful of Global Caches: a flood of invented cache ids ends under one label
    const cacheLabels = new Set<string>();
    const cacheLabel = (cache: string): string => {
      if (cacheLabels.has(cache) || cacheLabels.size < MAX_CACHE_LABELS) {
        cacheLabels.add(cache);
        return cache;
      }
      return 'other';
    };
    for (const warning of tracker.recoveryWarnings) node.warn(warning);
    const unregister = registerPublished(def.dataset, tracker);
    const topic = `cache/a/wis2/${centreId}/#`;
    const origin = readsBack(def.origin) ? readBackFilter(centreId) : undefined;
    const unregisterReadBack = origin === undefined ? undefined : registerReadBack(origin, tracker.own);

    node.on('input', (msg: NodeMessage & Record<string, unknown>, send, done) => {
      try {
        const t = typeof msg.topic === 'string' ? msg.topic : '';
        // not waited for (cache false, a deletion, seen already): counted, so nothing vanishes unseen
        status.count(tracker.publishedNotification(msg.payload, t) ? 'published' : 'ignored');
        done();
      } catch (err) {
        reject(msg, describeError(err, 'cache'), REJECT, { send, done }, () => { status.count('rejected'); });
      }
    });

    const onMessage = (t: string, payload: Buffer): void => {
      const ours = origin !== undefined && topicMatches(origin, t);
      if (!ours && !topicMatches(topic, t)) return;
      const msg: NodeMessage & Record<string, unknown> = { topic: t, payload };
      if (ours) {
        try {
          status.count(tracker.publishedNotification(payload, t) ? 'published' : 'ignored');
        } catch (err) {
          node.send(onOutput(REJECT, rejectMessage(msg, describeError(err, 'cache'))));
          status.count('rejected');
        }
        return;
      }
      try {
        const outcome = tracker.cacheNotification(payload);
        if (outcome.kind === 'arrival') {
          msg.payload = outcome.arrival;
          const cache = cacheLabel(outcome.arrival.cache);
          arrivals.inc({ cache });
          delays.observe({ cache }, Math.max(0, outcome.arrival.delay));
          node.send([msg, null, null]);
          status.count('cached');
        } else {
          // another dataset of the centre, a file from before the tracker, a second copy: counted
          status.count('ignored');
          if (outcome.kind === 'unmatched') node.debug(RED._('wis2-cache-tracker.log.unmatched', { cache: outcome.cache, dataId: outcome.dataId }));
        }
      } catch (err) {
        node.send(onOutput(REJECT, rejectMessage(msg, describeError(err, 'cache'))));
        status.count('rejected');
      }
    };

    const sweep = (): void => {
      try {
        for (const t of tracker.sweep()) {
          const msg: NodeMessage & Record<string, unknown> = {
            topic: t.topic,
            payload: { dataId: t.dataId, ourNotification: t.id, pubtime: t.pubtime, href: t.href, topic: t.topic, waitedSeconds: Math.round((Date.now() - t.publishedAt) / 1000) },
          };
          node.send([null, msg, null]);
          missedFiles.inc({ dataset: datasetName });
          status.count('missed');
        }
      } catch (err) {
        node.error(RED._('wis2-cache-tracker.error.memory', { message: (err as Error).message }));
      }
    };
    const timer = setInterval(sweep, Math.max(100, Math.min(10_000, windowMs / 10)));
    timer.unref();

    const client = broker.use(node, (state) => {
      connection = state;
      status.refresh();
    });
    client.on('message', onMessage);
    const subscribe = (): void => {
      for (const filter of origin === undefined ? [topic] : [origin, topic]) {
        client.subscribe(filter, { qos: 1 }, (err) => {
          if (err) node.error(RED._('wis2-cache-tracker.error.subscribe', { topic: filter, message: err.message }));
          else if (filter === topic) node.log(RED._('wis2-cache-tracker.log.subscribed', { topic: origin === undefined ? topic : `${origin}, ${topic}` }));
        });
      }
    };
    client.on('connect', subscribe);
    if (client.connected) subscribe();
    status.refresh();

    node.on('close', (done: () => void) => {
      clearInterval(timer);
      status.stop();
      unregister();
      unregisterReadBack?.();
      client.removeListener('message', onMessage);
      client.removeListener('connect', subscribe);
      tracker.close();
      node.tracker = undefined;
      broker.release(node).then(done, done);
    });
  }
  RED.nodes.registerType('wis2-cache-tracker', Wis2CacheTrackerNode);
};
