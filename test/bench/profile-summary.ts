/**
 * `node dist/test/bench/profile-summary.js FILE.cpuprofile [TOP]`: where a runtime's CPU went,
 * by package (or our own file) and by function, self time only, so the lines add up to the
 * total; enough to see whether our nodes, Node-RED, mqtt.js or the garbage collector dominate.
 * Then what each part of our code costs with everything it calls (see `oursInclusive`).
 * Given a FILE.heapprofile (WIS2_BENCH_HEAP_PROFILE), the same in bytes allocated instead of time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fmt, table } from './stats';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A node of V8's sampling heap profile: a tree, each node with the bytes it allocated itself. */
export interface HeapNode {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/**
 * A heap profile in the shape of a CPU profile (nodes listing their children's ids), with the
 * bytes each node allocated where a CPU profile has its time, so that one summary serves both.
 */
export function flattenHeap(head: HeapNode): { profile: Profile; bytes: Map<number, number> } {
  const nodes: ProfileNode[] = [];
  const bytes = new Map<number, number>();
  const pending = [head];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    nodes.push({ id: node.id, callFrame: node.callFrame, children: node.children.map((c) => c.id) });
    if (node.selfSize > 0) bytes.set(node.id, node.selfSize);
    pending.push(...node.children);
  }
  return { profile: { nodes, startTime: 0, endTime: 0 }, bytes };
}

/** Microseconds of samples per profile node: each sample lasts until the next one. */
function selfTimes(p: Profile): Map<number, number> {
  const out = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? 0;
    out.set(id, (out.get(id) ?? 0) + (deltas[i + 1] ?? 0));
  }
  return out;
}

/** A package for what is not ours, the file under nodes/ for what is. */
export function where(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first = url, second = ''] = url.slice(modules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const nodes = url.indexOf('/dist/nodes/');
  if (nodes >= 0) return `ours: nodes/${url.slice(nodes + '/dist/nodes/'.length)}`;
  return path.basename(url);
}

/**
 * Microseconds of samples (or bytes allocated, given a heap profile's) by the outermost of our
 * files on their stack: a node's input handler, a broker callback, a flush at the end of a turn,
 * with Node-RED, mqtt.js and Node.js below it counted in. Each sample counts once, so the lines
 * add up to the time our code held the thread (or what it allocated).
 */
export function oursInclusive(p: Profile, times = selfTimes(p)): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of p.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  // the answer per profile node, as stacks share their roots
  const outermost = new Map<number, string | null>();
  const find = (id: number): string | null => {
    const known = outermost.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const above = up === undefined ? null : find(up);
    const place = node === undefined ? '' : where(node.callFrame.url, node.callFrame.functionName);
    const answer = above ?? (place.startsWith('ours: ') ? place : null);
    outermost.set(id, answer);
    return answer;
  };
  const out = new Map<string, number>();
  for (const [id, us] of times) {
    const place = find(id);
    if (place !== null && us > 0) add(out, place, us);
  }
  return out;
}

function add(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

function top(map: Map<string, number>, total: number, n: number, unit: number): string[][] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => [k, fmt(v / unit), `${((100 * v) / total).toFixed(1)}%`]);
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary FILE.cpuprofile|FILE.heapprofile [TOP]');
  const count = Number(process.argv[3] ?? 25);
  const read = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile | { head: HeapNode };
  const heap = 'head' in read ? flattenHeap(read.head) : undefined;
  const profile = heap ? heap.profile : (read as Profile);
  // microseconds shown in ms, or bytes in MB
  const weights = heap ? heap.bytes : selfTimes(profile);
  const [what, unitName, unit] = heap ? ['allocated', 'MB', 1e6] : ['self time', 'ms', 1000];
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const w = weights.get(node.id) ?? 0;
    if (w === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = where(url, functionName);
    total += w;
    add(byPlace, place, w);
    add(byFunction, `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`, w);
  }
  if (heap) console.log(`${file}: ${fmt(total / unit)} MB allocated (sampled, collected objects included)`);
  else console.log(`${file}: ${fmt(total / unit)} ms sampled over ${fmt((profile.endTime - profile.startTime) / 1000)} ms`);
  console.log(table([`where (${what})`, unitName, 'share'], top(byPlace, total, count, unit)));
  console.log('');
  console.log(table([`function (${what})`, unitName, 'share'], top(byFunction, total, count, unit)));
  console.log('');
  console.log(table(['our code, with what it calls (outermost of our files)', unitName, 'share'], top(oursInclusive(profile, weights), total, count, unit)));
}

if (require.main === module) main();
