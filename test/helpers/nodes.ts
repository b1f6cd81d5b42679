import fs from 'node:fs';
import { createRequire } from 'node:module';
import helper from 'node-red-node-test-helper';
import mqtt, { type MqttClient } from 'mqtt';
import { needMosquitto, startMosquitto, type Broker } from './mosquitto';
import { TempDirs } from './temp';
import type { NodeAPI, NodeMessage } from 'node-red';
import datasetNode from '../../nodes/wis2-dataset/wis2-dataset';
import converterNode from '../../nodes/wis2-cloudevent-to-wnm/wis2-cloudevent-to-wnm';
import validatorNode from '../../nodes/wis2-wnm-validator/wis2-wnm-validator';
import publishNode from '../../nodes/wis2-publish/wis2-publish';
import deadLetterNode from '../../nodes/wis2-dead-letter/wis2-dead-letter';
import brokerNode from '../../nodes/wis2-broker/wis2-broker';
import mqttInNode from '../../nodes/wis2-mqtt-in/wis2-mqtt-in';
import wcmpValidatorNode from '../../nodes/wis2-wcmp-validator/wis2-wcmp-validator';
import wcmpToWnmNode from '../../nodes/wis2-wcmp-to-wnm/wis2-wcmp-to-wnm';
import gdcCheckNode from '../../nodes/wis2-gdc-check/wis2-gdc-check';
import monitorNode from '../../nodes/wis2-monitor/wis2-monitor';
import cacheTrackerNode from '../../nodes/wis2-cache-tracker/wis2-cache-tracker';
import argoReconcileNode from '../../nodes/wis2-argo-reconcile/wis2-argo-reconcile';
import type { DatasetConfig } from '../../nodes/lib/dataset';
import { nodeRedDir, nodeRedMain } from '../../bin/node-red-dir';

helper.init(nodeRedMain());

/**
 * The test helper's node API has no `hooks` (its runtime is a mock around the real flow engine);
 * the engine itself triggers the hooks of the @node-red/util it was loaded with, so the reliable
 * input gets that one, as a real runtime would give it.
 */
const runtimeRequire = createRequire(require.resolve('@node-red/runtime/package.json', { paths: [nodeRedDir()] }));
const runtimeUtil = runtimeRequire('@node-red/util') as { hooks: NodeAPI['hooks'] };
/** The hooks of the runtime the helper runs: its settle registry is `settleRegistry(runtimeHooks)`. */
export const runtimeHooks = runtimeUtil.hooks;
const mqttInWithHooks = (RED: NodeAPI): void => {
  (RED as { hooks?: NodeAPI['hooks'] }).hooks ??= runtimeUtil.hooks;
  mqttInNode(RED);
};

const stateDirs = new TempDirs();

/**
 * An empty folder for the journals and announcement memories of the nodes a test loads. They
 * are removed once the whole run is over, not after each test: a suite may keep its flow loaded
 * from one test to the next.
 */
export function freshStateDir(): string {
  return stateDirs.make('wis2-state-');
}

/**
 * Journals and announcement memories start empty for every test: a memory left by one test
 * would make the next one's events duplicates.
 */
beforeEach(() => {
  helper.settings({ wis2BrokerStateDir: freshStateDir() } as Parameters<typeof helper.settings>[0]);
});

after(() => {
  stateDirs.remove();
});

export { helper };
export const wis2Nodes = [datasetNode, converterNode, validatorNode, publishNode, deadLetterNode, brokerNode, mqttInWithHooks, wcmpValidatorNode, wcmpToWnmNode, monitorNode, cacheTrackerNode, argoReconcileNode, gdcCheckNode];

export type FlowNode = Record<string, unknown> & { id: string; type: string };

/** A tab holding the given nodes, so that Catch and Status scopes behave as in a real flow. */
export function onTab(nodes: FlowNode[]): FlowNode[] {
  return [{ id: 'tab', type: 'tab', label: 'test' }, ...nodes.map((n) => (n.type === 'wis2-dataset' ? n : { z: 'tab', ...n }))];
}

export function datasetConfig(id: string, config: DatasetConfig): FlowNode {
  return {
    id,
    type: 'wis2-dataset',
    ...config,
    schemes: (config.schemes ?? ['https']).join(','),
  };
}

/** Records what arrives at helper nodes, in order, with the output each came from. */
export class Recorder {
  readonly received: { from: string; msg: NodeMessage & Record<string, unknown> }[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(ids: string[]) {
    for (const id of ids) {
      const node = helper.getNode(id);
      node.on('input', (msg: NodeMessage & Record<string, unknown>) => {
        this.received.push({ from: id, msg });
        this.waiters = this.waiters.filter((w) => {
          if (this.received.length >= w.count) w.resolve();
          return this.received.length < w.count;
        });
      });
    }
  }

  from(id: string): (NodeMessage & Record<string, unknown>)[] {
    return this.received.filter((r) => r.from === id).map((r) => r.msg);
  }

  /** Resolves once `count` messages in all have arrived, rejects after `ms`. */
  wait(count: number, ms = 2000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`expected ${count} messages, got ${this.received.length}`)); }, ms);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Lets in-flight messages land, for asserting that nothing more arrives. */
  static settle(ms = 50): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }
}

/**
 * For a describe block of node specs against Mosquitto: before its tests, a Mosquitto of the
 * project's configuration, a client publishing to it (MQTT 5) and the helper's runtime; after
 * them, all stopped; after each test, the flow unloaded. Without Mosquitto the block is skipped
 * (and fails under CI). Call inside the describe block.
 */
export function mosquittoRuntime(publisherId: string): { broker: () => Broker; publisher: () => MqttClient } {
  let broker: Broker | undefined;
  let publisher: MqttClient | undefined;
  before(async function () {
    needMosquitto(this);
    broker = await startMosquitto();
    publisher = await mqtt.connectAsync(broker.url, { clientId: `${publisherId}-${String(process.pid)}`, protocolVersion: 5 });
    await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
  });
  after(async () => {
    await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
    await publisher?.endAsync(true);
    await broker?.stop();
    if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
  });
  afterEach(() => helper.unload());
  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('Mosquitto is not running');
    return value;
  };
  return { broker: () => need(broker), publisher: () => need(publisher) };
}
