import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Journal } from '../../../nodes/lib/reliability/journal';
import { AnnouncementMemory } from '../../../nodes/lib/reliability/memory';
import { cleanup, crashPayload, tempDir } from './helpers';

const CHILD = path.join(__dirname, 'crash-child.js');
const ROUNDS = 10;

/**
 * Starts the child, waits until it has opened its journal or memory, lets it run for a random
 * while and SIGKILLs it. Returns the complete lines of its log (a line cut by the kill is
 * dropped: the operation it announced is the one in flight either way).
 */
async function runAndKill(mode: 'journal' | 'journal-turn' | 'memory', target: string, logFile: string, round: number): Promise<string[]> {
  fs.writeFileSync(logFile, '');
  const child = fork(CHILD, [mode, target, logFile, String(round)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => {
    child.on('exit', (_code, signal) => {
      resolve(signal);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => {
      resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`child exited (${String(code)}) before it was ready: ${stderr}`));
    });
  });
  // from "just opened" to well into the run: kills land in appends, acks, rotations, copies
  await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 250));
  child.kill('SIGKILL');
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `the child ended on its own: ${stderr}`);
  const text = fs.readFileSync(logFile, 'utf8');
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

/**
 * Opens the journal a killed child left and checks what recovery may and must give: only torn
 * writes skipped, and every entry of `expected` (written, not acknowledged) there and intact.
 * An acknowledgement the kill interrupted may have reached the file: its entries may be gone,
 * and are then dropped from `expected`. The caller closes the journal.
 */
function reopenAfterKill(dir: string, round: number, expected: Map<number, [number, number]>, inflightAcks: Set<number>): { journal: Journal; found: Set<number> } {
  const journal = Journal.open({ dir, segmentBytes: 64 * 1024 });
  try {
    for (const w of journal.recoveryWarnings) assert.match(w, /torn record/, `only a torn write can come from a kill: ${w}`);
    const found = new Set(journal.unacked());
    for (const [seq, [r, i]] of expected) {
      if (inflightAcks.has(seq) && !found.has(seq)) {
        // the kill came after the ack reached the file: that is allowed
        expected.delete(seq);
        continue;
      }
      assert.ok(found.has(seq), `round ${round}: entry ${seq} (${r}/${i}) returned from append and was never acknowledged, but is gone`);
      assert.deepEqual(journal.read(seq), crashPayload(r, i), `entry ${seq} changed`);
    }
    return { journal, found };
  } catch (error) {
    journal.close();
    throw error;
  }
}

describe('journal and memory under SIGKILL', function () {
  this.timeout(120_000);
  afterEach(cleanup);

  it('a killed writer loses no returned append and no returned ack, and invents nothing', async () => {
    const work = tempDir();
    const dir = path.join(work, 'journal');
    const logFile = path.join(work, 'child.log');
    /** seq -> [round, i] of every entry known to be waiting */
    const expected = new Map<number, [number, number]>();
    const acked = new Set<number>();
    let lastSeq = 0;
    let appendsSeen = 0;
    let acksSeen = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const lines = await runAndKill('journal', dir, logFile, round);
      let inflightAppend: [number, number] | undefined;
      /** acknowledgements asked for when the kill came: each may or may not have reached the file */
      let inflightAcks = new Set<number>();
      for (const line of lines) {
        const [op, a, b, c] = line.split(' ');
        const seqs = line.split(' ').slice(1).map(Number);
        if (op === 'A') inflightAppend = [Number(a), Number(b)];
        else if (op === 'a') {
          const seq = Number(c);
          assert.ok(seq > lastSeq, `sequence went from ${lastSeq} to ${seq}`);
          lastSeq = seq;
          expected.set(seq, [Number(a), Number(b)]);
          inflightAppend = undefined;
          appendsSeen++;
        } else if (op === 'K' || op === 'M') inflightAcks = new Set(seqs);
        else if (op === 'k' || op === 'm') {
          for (const seq of seqs) {
            assert.ok(expected.delete(seq), `acknowledged ${seq}, which was not waiting`);
            acked.add(seq);
            acksSeen++;
          }
          inflightAcks = new Set();
        }
      }
      const { journal, found } = reopenAfterKill(dir, round, expected, inflightAcks);
      try {
        for (const seq of found) {
          assert.ok(!acked.has(seq), `entry ${seq} was acknowledged but came back`);
          if (expected.has(seq)) continue;
          // only the append the kill interrupted may be there without having returned
          assert.ok(inflightAppend !== undefined, `entry ${seq} was never appended`);
          assert.ok(seq > lastSeq, `unexpected entry ${seq}`);
          assert.deepEqual(journal.read(seq), crashPayload(inflightAppend[0], inflightAppend[1]));
          expected.set(seq, inflightAppend);
          lastSeq = seq;
          inflightAppend = undefined;
        }
        assert.equal(journal.pending(), expected.size);
      } finally {
        journal.close();
      }
    }
    // the kills must have landed in real work, not in the child's start-up
    assert.ok(appendsSeen > 100 && acksSeen > 100, `appends ${appendsSeen}, acks ${acksSeen}`);
  });

  it('a writer killed with a turn of appends unwritten, or in the middle of writing them, loses nothing it wrote and invents nothing', async () => {
    const work = tempDir();
    const dir = path.join(work, 'journal');
    const logFile = path.join(work, 'child.log');
    /** seq -> [round, i] of every entry written and not acknowledged */
    const expected = new Map<number, [number, number]>();
    const acked = new Set<number>();
    let written = 0;
    let midWrite = 0;
    let partly = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const lines = await runAndKill('journal-turn', dir, logFile, round);
      /** the last turn's entries, in order, while they are not known to be written */
      let turn: [number, [number, number]][] = [];
      let inflightAcks = new Set<number>();
      for (const line of lines) {
        const [op, ...rest] = line.split(' ');
        const n = rest.map(Number);
        if (op === 'B') turn = Array.from({ length: n[2] }, (_, k) => [n[3] + k, [n[0], n[1] + k]]);
        else if (op === 'f') {
          for (const [seq, entry] of turn) expected.set(seq, entry);
          written += turn.length;
          turn = [];
        } else if (op === 'M') inflightAcks = new Set(n);
        else if (op === 'm') {
          for (const seq of n) {
            assert.ok(expected.delete(seq), `acknowledged ${seq}, which was not waiting`);
            acked.add(seq);
          }
          inflightAcks = new Set();
        }
      }
      if (lines.at(-1) === 'F') midWrite++;
      const { journal, found } = reopenAfterKill(dir, round, expected, inflightAcks);
      try {
        // of the turn the kill cut short, the entries before some point are there, intact, and none after it
        const present = turn.map(([seq]) => found.has(seq));
        const cut = present.indexOf(false) === -1 ? present.length : present.indexOf(false);
        assert.ok(present.slice(cut).every((p) => !p), `round ${round}: the unwritten turn came back with holes: ${present.map((p) => (p ? 1 : 0)).join('')}`);
        if (cut > 0 && cut < turn.length) partly++;
        for (const [seq, [r, i]] of turn.slice(0, cut)) {
          assert.deepEqual(journal.read(seq), crashPayload(r, i), `entry ${seq} changed`);
          expected.set(seq, [r, i]);
        }
        for (const seq of found) {
          assert.ok(!acked.has(seq), `entry ${seq} was acknowledged but came back`);
          assert.ok(expected.has(seq), `entry ${seq} was never appended`);
        }
        assert.equal(journal.pending(), expected.size);
      } finally {
        journal.close();
      }
    }
    console.log(`      ${String(written)} entries written in turns; ${String(midWrite)} of ${String(ROUNDS)} kills came while a turn was being written, ${String(partly)} leaving part of it`);
    // the kills must have landed in real work, not in the child's start-up
    assert.ok(written > 100, `entries written ${String(written)}`);
  });

  it('a killed writer keeps every announcement memory change that returned', async () => {
    const work = tempDir();
    const file = path.join(work, 'memory', 'announced.jsonl');
    const logFile = path.join(work, 'child.log');
    /** key -> fingerprint, or null once deleted */
    const model = new Map<string, string | null>();
    let changes = 0;
    let midRewrite = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const lines = await runAndKill('memory', file, logFile, round);
      if (fs.existsSync(`${file}.tmp`)) midRewrite++;
      let inflight: { key: string; value: string | null } | undefined;
      for (const line of lines) {
        const [op, key, fingerprint] = JSON.parse(line) as [string, string, string | undefined];
        if (op === 'S') inflight = { key, value: fingerprint ?? null };
        else if (op === 'D') inflight = { key, value: null };
        else {
          model.set(key, op === 's' ? (fingerprint ?? null) : null);
          inflight = undefined;
          changes++;
        }
      }
      const memory = AnnouncementMemory.open({ file });
      try {
        for (const w of memory.recoveryWarnings) assert.match(w, /torn last line/, w);
        for (const [key, value] of model) {
          const got = memory.get(key)?.fingerprint ?? null;
          if (inflight !== undefined && key === inflight.key && got === inflight.value) continue;
          assert.equal(got, value, `round ${round}: ${JSON.stringify(key)}`);
        }
        if (inflight !== undefined) {
          const got = memory.get(inflight.key)?.fingerprint ?? null;
          assert.ok(got === inflight.value || got === (model.get(inflight.key) ?? null), `in-flight change to ${JSON.stringify(inflight.key)} left ${String(got)}`);
          model.set(inflight.key, got);
        }
        assert.equal(memory.size(), [...model.values()].filter((v) => v !== null).length);
      } finally {
        memory.close();
      }
      assert.ok(!fs.existsSync(`${file}.tmp`), 'a compaction interrupted by the kill left its temp file after open');
    }
    assert.ok(changes > 100, `changes ${changes}`);
    // the child rewrites its file in small steps, so most kills land in the middle of a rewrite
    assert.ok(midRewrite > 0, `no kill landed during a rewrite of the file in ${ROUNDS} rounds`);
  });
});
