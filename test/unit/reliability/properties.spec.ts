import assert from 'node:assert/strict';
import fc from 'fast-check';
import path from 'node:path';
import { Journal, JournalFullError, RECORD_OVERHEAD } from '../../../nodes/lib/reliability/journal';
import { AnnouncementMemory } from '../../../nodes/lib/reliability/memory';
import { TurnWrites } from '../../../nodes/lib/reliability/turn-writes';
import { AWKWARD, cleanup, tempDir } from './helpers';

type Op =
  | { kind: 'append'; size: number; fill: number }
  | { kind: 'ack'; pick: number }
  | { kind: 'ackUnknown'; seq: number }
  | { kind: 'ackMany'; picks: number[] }
  | { kind: 'reopen' }
  | { kind: 'list'; from: number; limit: number }
  | { kind: 'flush' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), size: fc.nat({ max: 400 }), fill: fc.nat({ max: 255 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ack' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ackUnknown' as const), seq: fc.integer({ min: -5, max: 1_000_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ackMany' as const), picks: fc.array(fc.nat(), { maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('list' as const), from: fc.nat({ max: 200 }), limit: fc.integer({ min: 0, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
);

function bytesOf(size: number, fill: number, seqHint: number): Buffer {
  const b = Buffer.alloc(size, fill);
  // distinct entries even when size and fill repeat
  if (size >= 4) b.writeUInt32LE(seqHint, 0);
  return b;
}

describe('journal against a model (fast-check)', function () {
  this.timeout(120_000);
  afterEach(cleanup);

  it('append / ack / reopen / list agree with a plain Map, whatever the order, appends written at once or at the end of a turn', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 80 }),
        fc.integer({ min: 100, max: 2000 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 200, max: 6000 }),
        fc.boolean(),
        (ops, segmentBytes, maxEntries, maxBytes, deferred) => {
          const dir = tempDir();
          const turn = new TurnWrites(() => undefined);
          const options = { dir, segmentBytes, maxEntries, maxBytes, ...(deferred ? { turn } : {}) };
          const model = new Map<number, Buffer>();
          let modelBytes = 0;
          let lastSeq = 0;
          let journal = Journal.open(options);
          try {
            let n = 0;
            for (const op of ops) {
              n++;
              switch (op.kind) {
                case 'append': {
                  const entry = bytesOf(op.size, op.fill, n);
                  const size = RECORD_OVERHEAD + entry.length;
                  if (model.size + 1 > maxEntries || modelBytes + size > maxBytes) {
                    assert.throws(() => journal.append(entry), JournalFullError);
                  } else {
                    const seq = journal.append(entry);
                    assert.ok(seq > lastSeq, `${seq} after ${lastSeq}`);
                    lastSeq = seq;
                    model.set(seq, entry);
                    modelBytes += size;
                  }
                  break;
                }
                case 'ack': {
                  const keys = [...model.keys()];
                  if (keys.length === 0) break;
                  const seq = keys[op.pick % keys.length];
                  journal.ack(seq);
                  journal.ack(seq);
                  modelBytes -= RECORD_OVERHEAD + model.get(seq)!.length;
                  model.delete(seq);
                  break;
                }
                case 'ackUnknown':
                  if (!model.has(op.seq)) journal.ack(op.seq);
                  break;
                case 'ackMany': {
                  const keys = [...model.keys()];
                  // repeats and a number never given among them: each counts once, the stranger not at all
                  const seqs = keys.length === 0 ? [] : op.picks.map((p) => keys[p % keys.length]);
                  journal.ackMany([...seqs, 1_000_000_007]);
                  for (const seq of new Set(seqs)) {
                    modelBytes -= RECORD_OVERHEAD + model.get(seq)!.length;
                    model.delete(seq);
                  }
                  break;
                }
                case 'reopen':
                  journal.close();
                  journal = Journal.open(options);
                  assert.deepEqual(journal.recoveryWarnings, []);
                  break;
                case 'list': {
                  const want = [...model.keys()].filter((s) => s >= op.from).slice(0, op.limit);
                  assert.deepEqual(journal.unacked(op.from, op.limit), want);
                  break;
                }
                case 'flush':
                  assert.equal(turn.flush(), true);
                  break;
              }
              assert.equal(journal.pending(), model.size);
              assert.equal(journal.pendingBytes(), modelBytes);
              assert.deepEqual(journal.unacked(), [...model.keys()]);
            }
            for (const [seq, entry] of model) assert.deepEqual(journal.read(seq), entry);
            // and once more from disk alone
            journal.close();
            journal = Journal.open(options);
            assert.deepEqual(journal.unacked(), [...model.keys()]);
            for (const [seq, entry] of model) assert.deepEqual(journal.read(seq), entry);
            if (model.size < maxEntries && modelBytes + RECORD_OVERHEAD <= maxBytes) {
              // numbers go on past everything given before the restart, acknowledged or not
              assert.ok(journal.append(Buffer.alloc(0)) > lastSeq);
            }
          } finally {
            journal.close();
            cleanup();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

type MemoryOp =
  | { kind: 'set'; key: number; fingerprint: number }
  | { kind: 'delete'; key: number }
  | { kind: 'wait'; ms: number }
  | { kind: 'flush' }
  | { kind: 'reopen' };

const memoryOpArb: fc.Arbitrary<MemoryOp> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.nat({ max: 30 }), fingerprint: fc.nat({ max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat({ max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.nat({ max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
);

interface MemoryRun {
  maxEntries: number;
  maxAgeMs: number;
  rewriteStepBytes: number;
  keepOnDisk: boolean;
  deferred: boolean;
  /** every other set is a record (setRecord), whose fingerprint is its JSON text */
  records: boolean;
  alias?: (fingerprint: string) => string;
}

const memoryKey = (k: number): string => `k${k}${AWKWARD[k % AWKWARD.length]}`;

/**
 * Applies `ops` to a memory and to a Map kept in announcement order (insertion order), then hands
 * both to `check` after each op. `fingerprint(op, n)`: what the n-th set writes.
 */
function memoryAgainstModel(ops: MemoryOp[], run: MemoryRun, fingerprint: (op: { key: number; fingerprint: number }, n: number) => string, check: (memory: AnnouncementMemory, model: Map<string, { fingerprint: string; at: number }>) => void): void {
  let clock = 1_000_000;
  const turn = new TurnWrites(() => undefined);
  const { maxEntries, maxAgeMs, rewriteStepBytes, keepOnDisk, deferred, alias } = run;
  const options = { file: path.join(tempDir(), 'memory.jsonl'), maxEntries, maxAgeMs, now: () => clock, rewriteStepBytes, keepOnDisk, ...(alias ? { alias } : {}), ...(deferred ? { turn } : {}) };
  // insertion order is announcement order, as in the memory
  const model = new Map<string, { fingerprint: string; at: number }>();
  let sets = 0;
  let memory = AnnouncementMemory.open(options);
  try {
    for (const op of ops) {
      if (op.kind === 'set') {
        let fp = fingerprint(op, sets);
        if (run.records && sets % 2 === 1) {
          const record = { fingerprint: fp, sets };
          memory.setRecord(memoryKey(op.key), record);
          fp = JSON.stringify(record);
        } else memory.set(memoryKey(op.key), fp);
        sets++;
        model.delete(memoryKey(op.key));
        model.set(memoryKey(op.key), { fingerprint: fp, at: clock });
        while (model.size > maxEntries) model.delete(model.keys().next().value as string);
      } else if (op.kind === 'delete') {
        memory.delete(memoryKey(op.key));
        model.delete(memoryKey(op.key));
      } else if (op.kind === 'wait') {
        clock += op.ms;
      } else if (op.kind === 'flush') {
        assert.equal(turn.flush(), true);
      } else {
        memory.close();
        memory = AnnouncementMemory.open(options);
        assert.deepEqual(memory.recoveryWarnings, []);
      }
      for (const [k, v] of model) if (clock - v.at >= maxAgeMs) model.delete(k);
      check(memory, model);
    }
  } finally {
    memory.close();
    cleanup();
  }
}

// small steps make the file be rewritten often, in steps that span later calls
const memoryRunArb = fc.record({ maxEntries: fc.integer({ min: 1, max: 12 }), maxAgeMs: fc.integer({ min: 1, max: 1000 }), rewriteStepBytes: fc.constantFrom(8, 100, 65536), keepOnDisk: fc.boolean(), deferred: fc.boolean(), records: fc.boolean() });

describe('announcement memory against a model (fast-check)', function () {
  this.timeout(120_000);
  afterEach(cleanup);

  it('set / delete / time passing / reopen agree with a plain Map, with both bounds, while the file is rewritten, fingerprints in memory or on disk, strings or records, lines written at once or at the end of a turn', () => {
    fc.assert(
      fc.property(fc.array(memoryOpArb, { maxLength: 300, size: 'max' }), memoryRunArb, (ops, run) => {
        memoryAgainstModel(ops, run, (op) => AWKWARD[op.fingerprint], (memory, model) => {
          assert.equal(memory.size(), model.size);
          for (let k = 0; k <= 30; k++) assert.deepEqual(memory.get(memoryKey(k)), model.get(memoryKey(k)), memoryKey(k));
          assert.deepEqual([...memory.live()], [...model], 'live entries, oldest set first');
        });
      }),
      { numRuns: 200 },
    );
  });

  it('finds each live entry by its alias, and nothing by the alias of an entry replaced, deleted, evicted or expired, through rewrites and reopens', () => {
    // the alias is what comes before the first '|', as the tracker's id comes first in its record;
    // of a record's text, the same of the string it holds
    const alias = (fingerprint: string): string => {
      const text = fingerprint.startsWith('{') ? (JSON.parse(fingerprint) as { fingerprint: string }).fingerprint : fingerprint;
      return text.slice(0, text.indexOf('|'));
    };
    fc.assert(
      fc.property(fc.array(memoryOpArb, { maxLength: 300, size: 'max' }), memoryRunArb, (ops, run) => {
        // every alias given so far: each set gives a new one, unique as notification ids are
        const given: string[] = [];
        const fingerprint = (op: { fingerprint: number }, n: number): string => {
          given.push(`id-${n}${AWKWARD[op.fingerprint]}`);
          return `id-${n}${AWKWARD[op.fingerprint]}|${AWKWARD[op.fingerprint]}`;
        };
        memoryAgainstModel(ops, { ...run, alias }, fingerprint, (memory, model) => {
          const byAlias = new Map([...model].map(([k, v]) => [alias(v.fingerprint), [k, v]]));
          for (const a of given) assert.deepEqual(memory.findByAlias(a), byAlias.get(a), a);
        });
      }),
      { numRuns: 200 },
    );
  });
});
