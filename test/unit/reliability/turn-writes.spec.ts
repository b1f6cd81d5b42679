import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Journal, RECORD_OVERHEAD } from '../../../nodes/lib/reliability/journal';
import { AnnouncementMemory } from '../../../nodes/lib/reliability/memory';
import { RANK, TurnWrites, type DeferredWriter } from '../../../nodes/lib/reliability/turn-writes';
import { needProgram } from '../../helpers/programs';
import { cleanup, payload, SEGMENT_HEADER, tempDir } from './helpers';

type Write = (fd: number, ...rest: unknown[]) => number;

/** Puts `spy` before every fs.writeSync and fs.writevSync (write(2) and writev(2)); returns what undoes it. */
function spyWrites(spy: (file: string) => void): () => void {
  const write = fs.writeSync;
  const writev = fs.writevSync;
  const wrap = (real: Write): Write => (fd, ...rest) => {
    spy(path.basename(fs.readlinkSync(`/proc/self/fd/${String(fd)}`)));
    return real(fd, ...rest);
  };
  fs.writeSync = wrap(write as Write);
  fs.writevSync = wrap(writev as Write);
  return () => {
    fs.writeSync = write;
    fs.writevSync = writev;
  };
}

/** The system calls that write while `fn` runs, each named by the file it writes to. */
function writesDuring(fn: () => void): string[] {
  const seen: string[] = [];
  const restore = spyWrites((file) => seen.push(file));
  try {
    fn();
  } finally {
    restore();
  }
  return seen;
}

/** Makes the next `n` writes to files named like `file` fail with ENOSPC. */
function failWrites(file: RegExp, n: number): () => void {
  let left = n;
  return spyWrites((name) => {
    if (left > 0 && file.test(name)) {
      left--;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
  });
}

describe('writes gathered per turn', function () {
  before(function () {
    needProgram(this, '/proc/self/fd', fs.existsSync('/proc/self/fd'), 'the tests name the file each write goes to by its descriptor');
  });
  afterEach(cleanup);

  it('writes a journal\'s appends only when the turn ends, all in one write, and reads and lists them meanwhile', () => {
    const dir = tempDir();
    const turn = new TurnWrites(() => undefined);
    const j = Journal.open({ dir, turn });
    try {
      const seqs: number[] = [];
      assert.deepEqual(writesDuring(() => { for (let n = 1; n <= 20; n++) seqs.push(j.append(payload(n))); }), []);
      assert.deepEqual(j.unacked(), seqs);
      assert.deepEqual(j.read(seqs[7]), payload(8));
      assert.equal(j.pendingBytes(), 20 * (RECORD_OVERHEAD + 100));
      // the segment's opening record, then the twenty entries together
      assert.deepEqual(writesDuring(() => { assert.equal(turn.flush(), true); }), ['00000001.log', '00000001.log']);
      assert.equal(fs.statSync(path.join(dir, '00000001.log')).size, SEGMENT_HEADER + 20 * (RECORD_OVERHEAD + 100));
      assert.deepEqual(j.read(seqs[7]), payload(8));
    } finally {
      j.close();
    }
    const again = Journal.open({ dir });
    try {
      assert.equal(again.pending(), 20);
      assert.deepEqual(again.read(again.unacked()[19]), payload(20));
    } finally {
      again.close();
    }
  });

  it('schedules one flush per turn, and a journal closed before it writes what it holds', async () => {
    const dir = tempDir();
    const turn = new TurnWrites();
    const j = Journal.open({ dir, turn });
    const seqs = [j.append(payload(1)), j.append(payload(2))];
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fs.statSync(path.join(dir, '00000001.log')).size, SEGMENT_HEADER + 2 * (RECORD_OVERHEAD + 100), 'written at the end of the turn');
    seqs.push(j.append(payload(3)));
    j.close();
    const again = Journal.open({ dir });
    try {
      assert.deepEqual(again.unacked(), seqs);
    } finally {
      again.close();
    }
  });

  it('writes an acknowledgement only after every append of the turn, in every file, lowest rank first', () => {
    const dir = tempDir();
    const turn = new TurnWrites(() => undefined);
    const inbox = Journal.open({ dir: path.join(dir, 'inbox'), turn, rank: RANK.inbox });
    const outbox = Journal.open({ dir: path.join(dir, 'outbox'), turn, rank: RANK.outbox });
    const memory = AnnouncementMemory.open({ file: path.join(dir, 'memory.jsonl'), turn, rank: RANK.memory });
    try {
      turn.flush();
      // the order a pipeline works in, and the reverse of the ranks among the later events
      const a = inbox.append(payload(1));
      outbox.append(payload(2));
      memory.set('file-1', 'fingerprint-1');
      inbox.append(payload(3));
      const files = writesDuring(() => { inbox.ack(a); });
      // each file once with the turn's records (the journals open a segment first), then the ack
      assert.deepEqual(files, ['00000001.log', '00000001.log', '00000001.log', '00000001.log', 'memory.jsonl', '00000001.log']);
      assert.equal(fs.readFileSync(path.join(dir, 'memory.jsonl'), 'utf8').split('\n').length, 3);
    } finally {
      memory.close();
      outbox.close();
      inbox.close();
    }
  });

  it('sorts the writers of a flush by rank, and stops at the first that fails, holding back those after it', () => {
    const order: string[] = [];
    let failing = true;
    const writer = (name: string, rank: number, fails = false): DeferredWriter => ({
      rank,
      writeDeferred: () => {
        order.push(name);
        return !(fails && failing);
      },
    });
    const turn = new TurnWrites(() => undefined);
    const memory = writer('memory', RANK.memory);
    const outbox = writer('outbox', RANK.outbox, true);
    const inbox = writer('inbox', RANK.inbox);
    turn.defer(memory);
    turn.defer(outbox);
    turn.defer(inbox);
    turn.defer(memory);
    assert.equal(turn.flush(), false);
    assert.deepEqual(order, ['inbox', 'outbox']);
    failing = false;
    assert.equal(turn.flush(), true);
    assert.deepEqual(order, ['inbox', 'outbox', 'outbox', 'memory']);
    assert.equal(turn.flush(), true, 'nothing left');
    assert.equal(order.length, 4);
  });

  it('keeps the appends of a failed write, says why, writes them at the next flush, and writes no acknowledgement before them', () => {
    const dir = tempDir();
    const turn = new TurnWrites(() => undefined);
    const errors: string[] = [];
    const j = Journal.open({ dir, turn, onDeferredError: (err) => errors.push(err.message) });
    try {
      turn.flush();
      const first = j.append(payload(1));
      turn.flush();
      const seqs = [j.append(payload(2)), j.append(payload(3))];
      // the flush of the turn fails, and so does the one an acknowledgement asks for
      const restore = failWrites(/\.log$/, 2);
      try {
        assert.equal(turn.flush(), false);
        assert.throws(() => { j.ack(first); }, /earlier writes are not on disk/);
      } finally {
        restore();
      }
      assert.deepEqual(errors, ['ENOSPC: no space left on device, write', 'ENOSPC: no space left on device, write']);
      assert.deepEqual(j.unacked(), [first, ...seqs]);
      assert.deepEqual(j.read(seqs[1]), payload(3), 'still readable from memory');
      // the failed segment was retired: the retry goes to a fresh one, and the first, acknowledged, goes
      j.ack(first);
      const left = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
      assert.equal(left.length, 1);
      assert.notEqual(left[0], '00000001.log');
    } finally {
      j.close();
    }
    const again = Journal.open({ dir });
    try {
      assert.deepEqual(again.recoveryWarnings, []);
      assert.equal(again.pending(), 2);
      assert.deepEqual(again.read(again.unacked()[1]), payload(3));
    } finally {
      again.close();
    }
  });

  it('drops without a record the entries acknowledged before any write of them succeeded', () => {
    const dir = tempDir();
    const turn = new TurnWrites(() => undefined);
    const j = Journal.open({ dir, turn, onDeferredError: () => undefined });
    const restore = failWrites(/\.log$/, 100);
    try {
      const seqs = [j.append(payload(1)), j.append(payload(2))];
      assert.equal(turn.flush(), false);
      j.ackMany(seqs);
      assert.equal(j.pending(), 0);
      assert.equal(j.pendingBytes(), 0);
      assert.equal(turn.flush(), true, 'nothing left to write');
    } finally {
      restore();
      j.close();
    }
  });

  it('a write cut anywhere in a turn\'s run leaves the entries before the cut, intact, and none after', () => {
    const record = RECORD_OVERHEAD + 100;
    for (const cut of [1, record - 1, record, record + 5, 3 * record - 1, 5 * record]) {
      const dir = tempDir();
      const turn = new TurnWrites(() => undefined);
      const j = Journal.open({ dir, turn });
      const seqs = [1, 2, 3, 4, 5].map((n) => j.append(payload(n)));
      j.close();
      fs.truncateSync(path.join(dir, '00000001.log'), SEGMENT_HEADER + cut);
      const again = Journal.open({ dir });
      try {
        const whole = Math.floor(cut / record);
        assert.deepEqual(again.unacked(), seqs.slice(0, whole), `cut at ${String(cut)}`);
        for (const s of seqs.slice(0, whole)) assert.deepEqual(again.read(s), payload(s));
        assert.equal(again.recoveryWarnings.length, cut % record === 0 ? 0 : 1, again.recoveryWarnings.join());
      } finally {
        again.close();
      }
    }
  });

  it('writes a memory\'s lines when the turn ends, in one write; answers from them meanwhile, and writes the turn first when it must read its file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'tracker.jsonl');
    const turn = new TurnWrites(() => undefined);
    const m = AnnouncementMemory.open({ file, turn, keepOnDisk: true });
    try {
      const size = fs.statSync(file).size;
      assert.deepEqual(writesDuring(() => { for (let n = 0; n < 10; n++) m.set(`file-${String(n)}`, `record-${String(n)}`); }), []);
      assert.equal(fs.statSync(file).size, size);
      assert.equal(m.size(), 10);
      assert.equal(m.has('file-3'), true);
      // a record kept on disk only is read back: the turn is written first, in one write
      assert.deepEqual(writesDuring(() => { assert.equal(m.get('file-3')?.fingerprint, 'record-3'); }), ['tracker.jsonl']);
      m.set('file-10', 'record-10');
      assert.deepEqual(writesDuring(() => { turn.flush(); }), ['tracker.jsonl']);
    } finally {
      m.close();
    }
    const again = AnnouncementMemory.open({ file });
    try {
      assert.equal(again.size(), 11);
      assert.equal(again.get('file-10')?.fingerprint, 'record-10');
    } finally {
      again.close();
    }
  });
});
