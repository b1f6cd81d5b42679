import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRuntime, type Runtime } from '../../bin/launch';
import { installFlows } from '../../bin/commands/flows';
import { readsBack } from '../../nodes/lib/feedback/cache-tracker';
import { startMosquitto, type Broker } from '../helpers/mosquitto';
import { procMemory, type ProcMemory } from '../helpers/proc';
import { pipelineEnv } from '../reliability/harness';
import { parsePauses, type Run } from './machine';

/**
 * The end-to-end benchmark's moving parts: a Mosquitto of its own, and the Node-RED runtime
 * started the way `npm start` and the reliability tests start it (bin/launch.ts), either with
 * the shipped flows or with a pass-through flow of core nodes as the baseline; and the shipped
 * flows with the cache tracker's read-back off, so that what the read-back costs is measured.
 */

export type FlowKind = 'argo' | 'argo-no-read-back' | 'pass-through';

/** Where the pass-through flow republishes what it receives. */
export const PASS_THROUGH_TOPIC = 'bench/pass-through';

/**
 * The deployment's queue limits and TCP_NODELAY (docker/mosquitto/mosquitto.conf), with a
 * queue deep enough for a whole burst: a client that falls behind must see its messages wait,
 * not dropped, or the benchmark would time the broker's discards. No persistence: nothing here
 * restarts.
 */
export function benchBroker(): Promise<Broker> {
  return startMosquitto({
    config: ['listener {{PORT}} 127.0.0.1', 'allow_anonymous true', 'persistence false', 'max_queued_messages 1000000', 'max_inflight_messages 100', 'set_tcp_nodelay true', ''].join('\n'),
  });
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };

function coreBroker(id: string, name: string, port: number): FlowNode {
  return {
    id,
    type: 'mqtt-broker',
    name,
    broker: '127.0.0.1',
    port: String(port),
    clientid: '',
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '60',
    cleansession: true,
    autoUnsubscribe: true,
    birthTopic: '',
    closeTopic: '',
    willTopic: '',
  };
}

/**
 * Core `mqtt in` -> `mqtt out`, QoS 1 both ways, from the topics the Argo flow listens to. Each
 * side has its own broker config node, hence its own connection, as the Argo flow's input and
 * output brokers do; what the Argo flow costs beyond this is the cost of our nodes.
 */
export function passThroughFlow(port: number): FlowNode[] {
  return [
    { id: 'bench-tab', type: 'tab', label: 'pass-through (benchmark baseline)', disabled: false, info: '' },
    coreBroker('bench-broker-in', 'input', port),
    coreBroker('bench-broker-out', 'output', port),
    {
      id: 'bench-in',
      type: 'mqtt in',
      z: 'bench-tab',
      name: '',
      topic: 'diffusion/files/coriolis/argo/#',
      qos: '1',
      datatype: 'buffer',
      broker: 'bench-broker-in',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      x: 150,
      y: 80,
      wires: [['bench-out']],
    },
    { id: 'bench-out', type: 'mqtt out', z: 'bench-tab', name: '', topic: PASS_THROUGH_TOPIC, qos: '1', retain: 'false', broker: 'bench-broker-out', x: 400, y: 80, wires: [] },
  ];
}

/**
 * The shipped flows with every cache tracker's read-back of our notifications from the Global
 * Broker (`origin`) turned off, nothing else changed. Throws when no tracker reads back: the
 * bench would then measure the same flow twice under two names.
 */
export function withoutReadBack(nodes: readonly FlowNode[]): FlowNode[] {
  let changed = 0;
  const out = nodes.map((n) => {
    if (n.type !== 'wis2-cache-tracker' || !readsBack(n.origin)) return n;
    changed++;
    return { ...n, origin: false };
  });
  if (changed === 0) throw new Error('no cache tracker of the shipped flows reads our notifications back');
  return out;
}

export interface BenchRuntime {
  kind: FlowKind;
  runtime: Runtime;
  memory(): ProcMemory | undefined;
  /** the runtime's garbage collections so far, on the monotonic clock (gc-preload.ts) */
  pauses(): Run[];
  /** stops the runtime and removes its user directory */
  stop(): Promise<void>;
}

function allocatorEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name === 'GLIBC_TUNABLES' || name === 'LD_PRELOAD' || name.startsWith('MALLOC_')));
}

/**
 * Node-RED on a fresh user directory. For the pass-through, its flows.json is written first:
 * installFlows (run by startRuntime) keeps an existing flows.json, so the shipped flows do not
 * replace it. WIS2_BENCH_NODE_OPTIONS reaches the runtime as NODE_OPTIONS (e.g.
 * --max-old-space-size); WIS2_BENCH_CPU_PROFILE=DIR writes a CPU profile of each runtime there,
 * WIS2_BENCH_HEAP_PROFILE=DIR a profile of what it allocated (see profile-preload.ts). Every
 * runtime writes its garbage collections to a file in its user directory (gc-preload.ts).
 * The C library allocator's settings of the bench's environment (GLIBC_TUNABLES, MALLOC_*),
 * and LD_PRELOAD (another allocator in its place, such as jemalloc), reach the runtime too, to
 * tell the allocator's keeping of memory from a leak.
 */
export async function launch(kind: FlowKind, broker: Broker, extraEnv: NodeJS.ProcessEnv = {}): Promise<BenchRuntime> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `wis2-bench-${kind}-`));
  if (kind === 'pass-through') fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(passThroughFlow(broker.port), null, 4) + '\n');
  if (kind === 'argo-no-read-back') {
    const { flowFile } = installFlows(userDir);
    fs.writeFileSync(flowFile, JSON.stringify(withoutReadBack(JSON.parse(fs.readFileSync(flowFile, 'utf8')) as FlowNode[]), null, 4) + '\n');
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...pipelineEnv(broker.url, broker.url, `wis2-bench-${port}`), ...allocatorEnv(), ...extraEnv };
  const nodeOptions = [process.env.WIS2_BENCH_NODE_OPTIONS ?? '', extraEnv.NODE_OPTIONS ?? '', `--require ${JSON.stringify(path.join(__dirname, 'gc-preload.js'))}`];
  const gcLog = path.join(userDir, 'gc-pauses.log');
  env.WIS2_BENCH_GC_LOG = gcLog;
  const profileDirs = { WIS2_BENCH_CPU_PROFILE: process.env.WIS2_BENCH_CPU_PROFILE, WIS2_BENCH_HEAP_PROFILE: process.env.WIS2_BENCH_HEAP_PROFILE };
  for (const [name, dir] of Object.entries(profileDirs)) if (dir) env[name] = path.resolve(dir);
  if (profileDirs.WIS2_BENCH_CPU_PROFILE || profileDirs.WIS2_BENCH_HEAP_PROFILE) {
    nodeOptions.push(`--require ${JSON.stringify(path.join(__dirname, 'profile-preload.js'))}`);
    env.WIS2_BENCH_FLOW = kind;
  }
  env.NODE_OPTIONS = nodeOptions.join(' ').trim();
  let runtime: Runtime;
  try {
    runtime = await startRuntime({ userDir, host: '127.0.0.1', port, env, quiet: true });
  } catch (err) {
    fs.rmSync(userDir, { recursive: true, force: true });
    throw err;
  }
  return {
    kind,
    runtime,
    memory: () => procMemory(runtime.child.pid),
    pauses: () => (fs.existsSync(gcLog) ? parsePauses(fs.readFileSync(gcLog, 'utf8')) : []),
    stop: async () => {
      await runtime.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** Stops the broker and removes its directory. */
export async function stopBroker(broker: Broker): Promise<void> {
  await broker.stop();
  fs.rmSync(broker.dir, { recursive: true, force: true });
}
