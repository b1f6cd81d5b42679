import os from 'node:os';
import path from 'node:path';
import type { NodeAPI } from 'node-red';

/**
 * A user setting. Read as a property, which both the runtime and the test helper expose
 * (`settings.get` answers only for some of them).
 */
export function setting(RED: NodeAPI, name: string): unknown {
  return (RED.settings as unknown as Record<string, unknown>)[name];
}

/**
 * Where this runtime keeps the journals and memories of the WIS2 nodes: the setting
 * `wis2BrokerStateDir`, else `<userDir>/wis2`, else a directory under the system's temp dir
 * (only embedded runtimes without a user directory get there).
 */
export function stateDir(RED: NodeAPI, ...parts: string[]): string {
  const configured = setting(RED, 'wis2BrokerStateDir');
  const userDir = setting(RED, 'userDir');
  const base =
    typeof configured === 'string' && configured !== ''
      ? configured
      : typeof userDir === 'string' && userDir !== ''
        ? path.join(userDir, 'wis2')
        : path.join(os.tmpdir(), 'node-red-wis2');
  return path.join(base, ...parts);
}
