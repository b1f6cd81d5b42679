import type { Node, NodeDef } from 'node-red';
import type { MqttClient } from 'mqtt';
import type { Outbox } from '../lib/reliability/outbox';
import type { BrokerConnectionState, BrokerTotals } from '../lib/publish/broker-controller';

export type { BrokerConnectionState, BrokerTotals };

/** The WIS2 broker config node as the nodes using it see it. */
export interface BrokerNodeDef extends NodeDef {
  url: string;
  clientId: string;
  cleanSession: boolean | string;
  protocolVersion: string;
  keepalive: string | number;
  sessionExpiry: string | number;
  window: string | number;
  maxQueueMB: string | number;
  /** days the notifications the broker acknowledged are kept for `wis2 replay`; 0: none */
  keepDays?: string | number;
  caFile: string;
  shareGroup?: string;
}

export interface BrokerNode extends Node {
  /** totals of the connection and its outbox, for the editor */
  totals(): BrokerTotals;
  /** the shared connection, opened on first use */
  use(user: Node, onState: (state: BrokerConnectionState) => void): MqttClient;
  /** the durable outbox of this broker, opened on first use */
  outbox(): Outbox;
  /** the directory where journals of this runtime live */
  stateDir(...parts: string[]): string;
  release(user: Node): Promise<void>;
  /**
   * Back-pressure for inputs: while `busy()` says so, the connection reads no further message
   * (the broker holds them, within its in-flight limit); call `wake()` when it may change.
   */
  backpressure(user: Node, busy: () => boolean): void;
  wake(): void;
  /** inputs subscribe as `$share/<group>/<topic>` when set: runtimes of one group split the stream */
  shareGroup?: string;
  /** why the broker cannot be used, when it cannot */
  configError?: string;
  /** the `broker` label of its metrics: its name, else its URL */
  metricsName: string;
}

/** `wis2-<node id>-<random>`, without doubling the prefix of ids that already carry it */
export function defaultClientId(nodeId: string, random: string): string {
  const base = nodeId.startsWith('wis2-') ? nodeId : `wis2-${nodeId}`;
  return `${base}-${random.slice(0, 8)}`;
}
