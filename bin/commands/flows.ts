import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EX_USAGE, type CommandIo } from '../cli/io';

/**
 * The shipped flows, installed into a Node-RED user directory: what `npm start` and the
 * container do on first start. Existing flows are never overwritten without --force, so the
 * edits made in the editor survive restarts and upgrades.
 */

const USAGE = `usage:
  wis2 flows list
      the shipped flows (also offered in the editor under Import > Examples)
  wis2 flows install DIR [--flows NAME,NAME] [--force]
      writes DIR/flows.json (the named flows, default: the deployed set) and DIR/flows_cred.json
      (broker credentials as \${MQTT_USERNAME}-style references, no secret) unless they exist`;

/** The flows a data centre runs; the others are templates to import. */
export const DEPLOYED_FLOWS = ['argo-data', 'argo-metadata', 'argo-monitoring'];

export const packageRoot: string = path.resolve(__dirname, '..', '..', '..');
export const flowsDir: string = path.join(packageRoot, 'flows');

/** Credentials of the shipped broker config nodes: references resolved from the environment. */
export const BROKER_CREDENTIALS: Readonly<Record<string, { user: string; password: string }>> = {
  'wis2-broker-input': { user: '${MQTT_USERNAME}', password: '${MQTT_PASSWORD}' },
  'wis2-broker-output': { user: '${WIS2_MQTT_USERNAME}', password: '${WIS2_MQTT_PASSWORD}' },
  'wis2-broker-global': { user: '${WIS2_GB_MQTT_USERNAME}', password: '${WIS2_GB_MQTT_PASSWORD}' },
};

type FlowNode = Record<string, unknown> & { id: string; type: string };

export function shippedFlows(): string[] {
  return fs
    .readdirSync(flowsDir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .sort();
}

export function readFlow(name: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(flowsDir, `${name}.json`), 'utf8')) as FlowNode[];
}

/** One flow file from several: shared config nodes (same stable id) appear once. */
export function assembleFlows(names: readonly string[]): FlowNode[] {
  const byId = new Map<string, FlowNode>();
  for (const name of names) {
    for (const node of readFlow(name)) {
      const seen = byId.get(node.id);
      if (seen && JSON.stringify(seen) !== JSON.stringify(node)) {
        throw new Error(`node ${node.id} differs between shipped flows; shared nodes must be identical`);
      }
      byId.set(node.id, node);
    }
  }
  return [...byId.values()];
}

export interface InstallResult {
  flowFile: string;
  credentialsFile: string;
  written: boolean;
  flows: readonly string[];
}

export function installFlows(dir: string, options: { flows?: readonly string[]; force?: boolean } = {}): InstallResult {
  const available = shippedFlows();
  const flows = options.flows ?? DEPLOYED_FLOWS.filter((f) => available.includes(f));
  for (const f of flows) if (!available.includes(f)) throw new Error(`no shipped flow "${f}" (have: ${available.join(', ')})`);
  const flowFile = path.join(dir, 'flows.json');
  const credentialsFile = path.join(dir, 'flows_cred.json');
  if (fs.existsSync(flowFile) && !options.force) return { flowFile, credentialsFile, written: false, flows };
  const nodes = assembleFlows(flows);
  const credentials = Object.fromEntries(Object.entries(BROKER_CREDENTIALS).filter(([id]) => nodes.some((n) => n.id === id)));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(flowFile, JSON.stringify(nodes, null, 4) + '\n');
  fs.writeFileSync(credentialsFile, JSON.stringify(credentials, null, 4) + '\n');
  return { flowFile, credentialsFile, written: true, flows };
}

export function run(args: string[], io: CommandIo): Promise<number> {
  const command = args.at(0);
  const rest = args.slice(1);
  try {
    if (command === 'list') {
      for (const name of shippedFlows()) io.out(`${name}${DEPLOYED_FLOWS.includes(name) ? ' (deployed)' : ''}`);
      return Promise.resolve(0);
    }
    if (command === 'install') {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { flows: { type: 'string' }, force: { type: 'boolean' } },
        allowPositionals: true,
      });
      const dir = positionals.at(0);
      if (dir === undefined || positionals.length !== 1) {
        io.err(`wis2 flows install: one DIR is required\n${USAGE}`);
        return Promise.resolve(EX_USAGE);
      }
      const options: { flows?: string[]; force?: boolean } = { force: values.force === true };
      if (values.flows) options.flows = values.flows.split(',').map((s) => s.trim()).filter(Boolean);
      const r = installFlows(dir, options);
      io.out(r.written ? `installed ${r.flows.join(', ')} into ${r.flowFile}` : `kept the existing ${r.flowFile} (--force replaces it)`);
      return Promise.resolve(0);
    }
  } catch (err) {
    io.err(`wis2 flows ${command ?? ''}: ${(err as Error).message}`);
    return Promise.resolve(err instanceof TypeError ? EX_USAGE : 1);
  }
  if (command === undefined || command === '--help' || command === '-h') {
    io.out(USAGE);
    return Promise.resolve(command === undefined ? EX_USAGE : 0);
  }
  io.err(`wis2 flows: unknown command "${command}"\n${USAGE}`);
  return Promise.resolve(EX_USAGE);
}
