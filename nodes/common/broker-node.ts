import type { Node, NodeDef } from 'node-red';
import type { MqttClient } from 'mqtt';
import type { Outbox } from '../lib/outbox';

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
  caFile: string;
  shareGroup?: string;
}

export interface BrokerConnectionState {
  connected: boolean;
  error?: string;
  /** when (RFC 3339) the broker last answered a reconnection without our persistent session */
  sessionLost?: string;
}

export interface BrokerNode extends Node {
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
