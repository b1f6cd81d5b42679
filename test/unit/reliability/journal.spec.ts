import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { crc32, Journal, JournalCorruptError, JournalFullError, JournalLockedError, RECORD_OVERHEAD } from '../../../nodes/lib/reliability/journal';
import { cleanup, dirBytes, flipByte, payload, SEGMENT_HEADER, segments, tempDir } from './helpers';

describe('journal', () => {
  let open: Journal[] = [];
  const track = (j: Journal): Journal => {
    open.push(j);
    return j;
  };
  const openJournal = (options: Parameters<typeof Journal.open>[0]): Journal => track(Journal.open(options));

  afterEach(() => {
    for (const j of open) j.close();
    open = [];
    cleanup();
  });

  describe('CRC-32', () => {
    it('matches the standard check value and continues across pieces', () => {
      const data = Buffer.from('123456789', 'ascii');
      assert.equal(crc32(data), 0xcbf43926);
      assert.equal(crc32(Buffer.alloc(0)), 0);
      const big = Buffer.from(Array.from({ length: 1027 }, (_, i) => (i * 31) & 0xff));
      for (const cut of [0, 1, 2, 3, 4, 5, 513, 1027]) {
        assert.equal(crc32(big, cut, big.length, crc32(big, 0, cut)), crc32(big), `cut at ${cut}`);
      }
    });

    it('agrees with the bit-by-bit definition on any range and seed', () => {
      // the polynomial applied one bit at a time: slow, but nothing shared with zlib
      const reference = (bytes: Uint8Array, start: number, end: number, seed: number): number => {
        let c = ~seed >>> 0;
        for (let i = start; i < end; i++) {
          c ^= bytes[i];
          for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        }
        return ~c >>> 0;
      };
      const big = Buffer.from(Array.from({ length: 4099 }, (_, i) => (i * 131 + 7) & 0xff));
      for (const [start, end, seed] of [[0, 9, 0], [0, 4099, 0], [3, 4098, 0], [5, 77, 0xdeadbeef], [4099, 4099, 12345]]) {
        assert.equal(crc32(big, start, end, seed), reference(big, start, end, seed), `${start}-${end} from ${seed}`);
      }
    });
  });

  describe('appending, reading, acknowledging', () => {
    it('gives strictly increasing numbers and reads back exactly the bytes appended', () => {
      const j = openJournal({ dir: tempDir() });
      const entries = [Buffer.alloc(0), Buffer.from([0, 255, 10, 13]), payload(7, 5000), Buffer.from('é🌊', 'utf8')];
      const seqs = entries.map((e) => j.append(e));
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1]);
      seqs.forEach((seq, i) => {
        assert.deepEqual(j.read(seq), entries[i]);
      });
      assert.deepEqual(j.unacked(), seqs);
      assert.equal(j.pending(), 4);
      assert.equal(j.pendingBytes(), entries.reduce((n, e) => n + RECORD_OVERHEAD + e.length, 0));
    });

    it('accepts acknowledgements out of order, twice, or for numbers it never gave', () => {
      const j = openJournal({ dir: tempDir() });
      const seqs = [1, 2, 3, 4, 5].map((n) => j.append(payload(n)));
      j.ack(seqs[3]);
      j.ack(seqs[1]);
      j.ack(seqs[3]);
      j.ack(9999);
      j.ack(-1);
      assert.deepEqual(j.unacked(), [seqs[0], seqs[2], seqs[4]]);
      assert.equal(j.pending(), 3);
      assert.equal(j.pendingBytes(), 3 * (RECORD_OVERHEAD + 100));
      assert.throws(() => j.read(seqs[1]), RangeError);
      assert.throws(() => j.read(424242), RangeError);
      assert.deepEqual(j.read(seqs[2]), payload(3));
    });

    it('lists from a given number, at most a given count', () => {
      const j = openJournal({ dir: tempDir() });
      const seqs = Array.from({ length: 10 }, (_, i) => j.append(payload(i)));
      for (const s of [seqs[2], seqs[3], seqs[7]]) j.ack(s);
      assert.deepEqual(j.unacked(seqs[2]), [seqs[4], seqs[5], seqs[6], seqs[8], seqs[9]]);
      assert.deepEqual(j.unacked(seqs[4], 2), [seqs[4], seqs[5]]);
      assert.deepEqual(j.unacked(seqs[9] + 1), []);
      assert.deepEqual(j.unacked(0, 0), []);
      assert.deepEqual(j.unacked(undefined, 3), [seqs[0], seqs[1], seqs[4]]);
    });

    it('keeps its order through many out-of-order acknowledgements', () => {
      const j = openJournal({ dir: tempDir(), segmentBytes: 64 * 1024 });
      const live = new Set<number>();
      for (let i = 0; i < 20_000; i++) {
        live.add(j.append(payload(i, 8)));
        if (i % 3 === 2) {
          // acknowledge the most recent but one: holes everywhere in the order
          const all = [...live];
          const victim = all[Math.max(0, all.length - 2)];
          j.ack(victim);
          live.delete(victim);
        }
      }
      assert.deepEqual(j.unacked(), [...live].sort((a, b) => a - b));
      const from = [...live][live.size >> 1];
      assert.deepEqual(j.unacked(from, 5), [...live].filter((s) => s >= from).slice(0, 5));
    });

    it('refuses to work once closed, and closes twice quietly', () => {
      const j = Journal.open({ dir: tempDir() });
      j.append(payload(1));
      j.close();
      j.close();
      assert.throws(() => j.append(payload(2)), /closed/);
      assert.throws(() => {
        j.ack(1);
      }, /closed/);
      assert.throws(() => j.read(1), /closed/);
      assert.throws(() => j.unacked(), /closed/);
    });

    it('checks its options', () => {
      assert.throws(() => Journal.open({ dir: tempDir(), maxBytes: 0 }), RangeError);
      assert.throws(() => Journal.open({ dir: tempDir(), maxEntries: 1.5 }), RangeError);
      assert.throws(() => Journal.open({ dir: tempDir(), segmentBytes: -1 }), RangeError);
      assert.throws(() => Journal.open({ dir: tempDir(), sync: 'sometimes' as 'none' }), RangeError);
      // a refused open leaves the directory free
      const dir = tempDir();
      assert.throws(() => Journal.open({ dir, maxBytes: Number.NaN }), RangeError);
      openJournal({ dir });
    });

    it('creates its directory, nested, when missing', () => {
      const dir = path.join(tempDir(), 'a', 'b', 'inbox');
      const j = openJournal({ dir });
      j.append(payload(1));
      assert.equal(segments(dir).length, 1);
    });
  });

  describe('segments', () => {
    it('rotates past segmentBytes, and puts an entry bigger than a segment alone in a fresh one', () => {
      const dir = tempDir();
      const j = openJournal({ dir, segmentBytes: 1000 });
      for (let i = 0; i < 20; i++) j.append(payload(i));
      const names = segments(dir);
      assert.ok(names.length >= 3, names.join());
      for (const name of names.slice(0, -1)) assert.ok(fs.statSync(path.join(dir, name)).size <= 1000, name);
      assert.equal(names[0], '00000001.log');
      const big = payload(99, 5000);
      const seq = j.append(big);
      const after = segments(dir);
      assert.equal(after.length, names.length + 1);
      assert.equal(fs.statSync(path.join(dir, after[after.length - 1])).size, SEGMENT_HEADER + RECORD_OVERHEAD + 5000);
      assert.deepEqual(j.read(seq), big);
      j.append(payload(100));
      assert.equal(segments(dir).length, after.length + 1);
    });

    it('deletes only the oldest segments, and only once all their entries are acknowledged', () => {
      const dir = tempDir();
      // three 100-byte entries fill a segment exactly
      const j = openJournal({ dir, segmentBytes: SEGMENT_HEADER + 3 * (RECORD_OVERHEAD + 100) });
      const seqs = Array.from({ length: 9 }, (_, i) => j.append(payload(i)));
      assert.deepEqual(segments(dir), ['00000001.log', '00000002.log', '00000003.log']);
      // all of segment 2 acknowledged, but segment 1 still waits: 2 may hold acks for 1's entries
      for (const s of seqs.slice(3, 6)) j.ack(s);
      assert.deepEqual(segments(dir), ['00000001.log', '00000002.log', '00000003.log', '00000004.log']);
      j.ack(seqs[0]);
      j.ack(seqs[1]);
      assert.equal(segments(dir).length, 4);
      j.ack(seqs[2]);
      assert.deepEqual(segments(dir), ['00000003.log', '00000004.log']);
      for (const s of seqs.slice(6)) j.ack(s);
      // the segment being written stays while the journal is open
      assert.deepEqual(segments(dir), ['00000004.log']);
      assert.equal(j.pending(), 0);
      j.close();
      open = [];
      assert.deepEqual(segments(dir), []);
      assert.equal(fs.readFileSync(path.join(dir, 'hwm'), 'ascii'), '9\n');
    });

    it('copies entries that stay unacknowledged forward, so they do not pin the disk', () => {
      const dir = tempDir();
      const j = openJournal({ dir, segmentBytes: 4096 });
      const stuck = j.append(payload(1, 300));
      let biggest = 0;
      for (let i = 0; i < 5000; i++) {
        j.ack(j.append(payload(i, 200)));
        if (i % 50 === 0) biggest = Math.max(biggest, dirBytes(dir));
      }
      // without copying, every segment since the first would stay: over a megabyte
      assert.ok(biggest < 40 * 1024, `directory reached ${biggest} bytes`);
      assert.deepEqual(j.unacked(), [stuck]);
      assert.deepEqual(j.read(stuck), payload(1, 300));
      j.close();
      open = [];
      const again = openJournal({ dir, segmentBytes: 4096 });
      assert.deepEqual(again.recoveryWarnings, []);
      assert.deepEqual(again.unacked(), [stuck]);
      assert.deepEqual(again.read(stuck), payload(1, 300));
      assert.ok(again.append(payload(2)) > stuck + 5000);
    });
  });

  describe('bounds', () => {
    it('refuses the entry after maxEntries, and takes it again once one is acknowledged', () => {
      const j = openJournal({ dir: tempDir(), maxEntries: 3 });
      const seqs = [1, 2, 3].map((n) => j.append(payload(n)));
      const full = thrown(() => j.append(payload(4)));
      assert.ok(full instanceof JournalFullError);
      assert.equal(full.code, 'EJOURNALFULL');
      assert.equal(full.pending, 3);
      assert.equal(j.pending(), 3);
      j.ack(seqs[1]);
      const next = j.append(payload(4));
      assert.ok(next > seqs[2]);
      assert.deepEqual(j.unacked(), [seqs[0], seqs[2], next]);
    });

    it('refuses an entry that would pass maxBytes, counting record overhead', () => {
      const size = RECORD_OVERHEAD + 100;
      const j = openJournal({ dir: tempDir(), maxBytes: 3 * size + RECORD_OVERHEAD + 3 });
      const seqs = [1, 2, 3].map((n) => j.append(payload(n)));
      assert.throws(() => j.append(payload(4)), JournalFullError);
      // exactly what is left
      assert.ok(j.append(Buffer.alloc(3)) > seqs[2]);
      assert.throws(() => j.append(Buffer.alloc(0)), (e: unknown) => e instanceof JournalFullError && e.pendingBytes === 3 * size + RECORD_OVERHEAD + 3);
      j.ack(seqs[0]);
      j.append(payload(5));
      assert.equal(j.pendingBytes(), 3 * size + RECORD_OVERHEAD + 3);
    });

    it('refuses an entry bigger than maxBytes on its own', () => {
      const j = openJournal({ dir: tempDir(), maxBytes: 1000 });
      assert.throws(() => j.append(Buffer.alloc(1000)), JournalFullError);
      assert.equal(j.pending(), 0);
      assert.equal(j.append(Buffer.alloc(1000 - RECORD_OVERHEAD)), 1);
    });

    it('keeps its bounds across a restart', () => {
      const dir = tempDir();
      const j = Journal.open({ dir, maxEntries: 2 });
      j.append(payload(1));
      j.append(payload(2));
      j.close();
      const again = openJournal({ dir, maxEntries: 2 });
      assert.throws(() => again.append(payload(3)), JournalFullError);
    });
  });

  describe('recovery', () => {
    it('rebuilds the waiting entries and the counter, with acks in later segments honoured', () => {
      const dir = tempDir();
      const j = Journal.open({ dir, segmentBytes: 600 });
      const seqs = Array.from({ length: 12 }, (_, i) => j.append(payload(i)));
      for (const s of [seqs[0], seqs[5], seqs[11], seqs[6]]) j.ack(s);
      const waiting = j.unacked();
      j.close();
      assert.ok(segments(dir).length >= 3);
      const again = openJournal({ dir, segmentBytes: 600 });
      assert.deepEqual(again.recoveryWarnings, []);
      assert.deepEqual(again.unacked(), waiting);
      assert.equal(again.pending(), 8);
      assert.equal(again.pendingBytes(), 8 * (RECORD_OVERHEAD + 100));
      for (const s of waiting) assert.deepEqual(again.read(s), payload(seqs.indexOf(s)));
      // the last entry was acknowledged: the counter still goes past it
      assert.equal(again.append(payload(50)), seqs[11] + 1);
    });

    it('writes to a new segment after a restart, never after what it found', () => {
      const dir = tempDir();
      const j = Journal.open({ dir });
      j.append(payload(1));
      j.close();
      const again = openJournal({ dir });
      again.append(payload(2));
      assert.deepEqual(segments(dir), ['00000001.log', '00000002.log']);
    });

    it('goes on counting after every segment was deleted', () => {
      const dir = tempDir();
      const j = Journal.open({ dir, segmentBytes: 500 });
      const seqs = Array.from({ length: 10 }, (_, i) => j.append(payload(i)));
      for (const s of seqs) j.ack(s);
      j.close();
      assert.deepEqual(segments(dir), []);
      const again = Journal.open({ dir });
      assert.equal(again.pending(), 0);
      assert.equal(again.append(payload(11)), 11);
      again.ack(11);
      again.close();
      const third = openJournal({ dir });
      assert.equal(third.append(payload(12)), 12);
    });

    it('deletes at open the segments a killed run acknowledged but had not yet removed', () => {
      const dir = tempDir();
      const j = openJournal({ dir, segmentBytes: SEGMENT_HEADER + 3 * (RECORD_OVERHEAD + 100) });
      const seqs = Array.from({ length: 9 }, (_, i) => j.append(payload(i)));
      for (const s of seqs.slice(3, 6)) j.ack(s);
      const kept = ['00000001.log', '00000002.log'].map((name) => [name, fs.readFileSync(path.join(dir, name))] as const);
      for (const s of seqs.slice(0, 3)) j.ack(s);
      assert.deepEqual(segments(dir), ['00000003.log', '00000004.log']);
      // the files as a kill between the last ack's write and the unlink would have left them
      const killed = tempDir();
      for (const name of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, name), path.join(killed, name));
      for (const [name, bytes] of kept) fs.writeFileSync(path.join(killed, name), bytes);
      const again = openJournal({ dir: killed });
      assert.deepEqual(again.recoveryWarnings, []);
      assert.deepEqual(again.unacked(), seqs.slice(6));
      assert.deepEqual(segments(killed), ['00000003.log', '00000004.log']);
    });

    it('ignores a record torn at the end of the last segment', () => {
      const size = SEGMENT_HEADER + 5 * (RECORD_OVERHEAD + 100);
      // cut inside the payload, inside the record header, and the whole last record but one byte
      for (const cut of [3, 100 + 5, RECORD_OVERHEAD + 100 - 1]) {
        const dir = tempDir();
        const j = Journal.open({ dir });
        const seqs = [1, 2, 3, 4, 5].map((n) => j.append(payload(n)));
        j.close();
        const file = path.join(dir, '00000001.log');
        fs.truncateSync(file, size - cut);
        const again = Journal.open({ dir });
        assert.equal(again.recoveryWarnings.length, 1, again.recoveryWarnings.join());
        assert.match(again.recoveryWarnings[0], /^00000001\.log: torn record at offset 499/);
        assert.deepEqual(again.unacked(), seqs.slice(0, 4));
        for (const s of seqs.slice(0, 4)) assert.deepEqual(again.read(s), payload(s));
        // what comes after the torn record goes to a new segment and survives another restart
        const added = again.append(payload(77));
        assert.ok(added > seqs[3]);
        again.close();
        const third = track(Journal.open({ dir }));
        assert.equal(third.recoveryWarnings.length, 1);
        assert.deepEqual(third.unacked(), [...seqs.slice(0, 4), added]);
        assert.deepEqual(third.read(added), payload(77));
      }
    });

    it('a torn acknowledgement leaves its entry waiting: delivered again, never lost', () => {
      const dir = tempDir();
      const j = Journal.open({ dir });
      const seqs = [1, 2, 3].map((n) => j.append(payload(n)));
      j.ack(seqs[2]);
      j.close();
      const file = path.join(dir, '00000001.log');
      fs.truncateSync(file, fs.statSync(file).size - 1);
      const again = openJournal({ dir });
      assert.deepEqual(again.unacked(), seqs);
    });

    it('skips the rest of a segment from a corrupted record on, and keeps every other segment', () => {
      const dir = tempDir();
      const first = Journal.open({ dir });
      [1, 2, 3, 4, 5, 6].forEach((n) => first.append(payload(n)));
      first.close();
      const second = Journal.open({ dir });
      [7, 8, 9].forEach((n) => second.append(payload(n)));
      second.close();
      // a payload byte of the third entry of the first segment
      flipByte(path.join(dir, '00000001.log'), SEGMENT_HEADER + 2 * (RECORD_OVERHEAD + 100) + RECORD_OVERHEAD + 50);
      const again = Journal.open({ dir });
      assert.equal(again.recoveryWarnings.length, 1);
      assert.match(again.recoveryWarnings[0], /00000001\.log: corrupt record at offset 265; the remaining 468 bytes/);
      assert.deepEqual(again.unacked(), [1, 2, 7, 8, 9]);
      for (const s of again.unacked()) assert.deepEqual(again.read(s), payload(s));
      assert.equal(again.append(payload(10)), 10);
      again.close();
      // a damaged length or sequence number is caught the same way
      flipByte(path.join(dir, '00000002.log'), SEGMENT_HEADER + RECORD_OVERHEAD + 100 + 9);
      const third = openJournal({ dir });
      assert.deepEqual(third.unacked(), [1, 2, 7, 10]);
      assert.match(third.recoveryWarnings.join('\n'), /00000002\.log: corrupt record at offset 148/);
    });

    it('skips a segment whose header is damaged, and a file that is not a segment', () => {
      const dir = tempDir();
      const a = Journal.open({ dir });
      a.append(payload(1));
      a.close();
      const b = Journal.open({ dir });
      b.append(payload(2));
      b.close();
      flipByte(path.join(dir, '00000002.log'), 20);
      fs.writeFileSync(path.join(dir, '00000003.log'), 'hello, I am not a journal segment\n');
      fs.writeFileSync(path.join(dir, '00000004.log'), '');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'left alone');
      const again = openJournal({ dir });
      assert.deepEqual(again.unacked(), [1]);
      assert.equal(again.recoveryWarnings.length, 2, again.recoveryWarnings.join('\n'));
      assert.match(again.recoveryWarnings[0], /00000002\.log: corrupt record at offset 0/);
      assert.match(again.recoveryWarnings[1], /00000003\.log/);
      // entry 2 is gone with its segment: only numbers still on record are never given again
      const next = again.append(payload(3));
      assert.ok(next > 1, `${next}`);
      assert.deepEqual(again.unacked(), [1, next]);
      assert.ok(fs.existsSync(path.join(dir, 'notes.txt')));
    });

    it('reports an entry damaged on disk after recovery when it is read', () => {
      const dir = tempDir();
      const j = openJournal({ dir });
      const seq = j.append(payload(1));
      j.append(payload(2));
      flipByte(path.join(dir, '00000001.log'), SEGMENT_HEADER + RECORD_OVERHEAD + 10);
      assert.throws(() => j.read(seq), JournalCorruptError);
      assert.deepEqual(j.read(seq + 1), payload(2));
    });

    it('survives power-loss mode (fdatasync per write) the same way', () => {
      const dir = tempDir();
      const j = Journal.open({ dir, sync: 'always', segmentBytes: 500 });
      const seqs = Array.from({ length: 8 }, (_, i) => j.append(payload(i)));
      j.ack(seqs[0]);
      j.ack(seqs[4]);
      j.close();
      const again = openJournal({ dir, sync: 'always' });
      assert.deepEqual(again.unacked(), seqs.filter((_, i) => i !== 0 && i !== 4));
      assert.deepEqual(again.read(seqs[7]), payload(7));
    });

    it('ignores a high-water mark that is not a number', () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'hwm'), 'garbage');
      const j = openJournal({ dir });
      assert.match(j.recoveryWarnings.join(), /hwm: not a sequence number/);
      assert.equal(j.append(payload(1)), 1);
    });
  });

  describe('lock', () => {
    it('refuses a second open of the same directory in this process, even by another path', () => {
      const dir = tempDir();
      const j = openJournal({ dir });
      assert.throws(() => Journal.open({ dir }), JournalLockedError);
      assert.throws(() => Journal.open({ dir: path.join(dir, '..', path.basename(dir)) }), JournalLockedError);
      const link = `${dir}-link`;
      fs.symlinkSync(dir, link);
      try {
        const locked = thrown(() => Journal.open({ dir: link }));
        assert.ok(locked instanceof JournalLockedError);
        assert.equal(locked.code, 'EJOURNALLOCKED');
      } finally {
        fs.rmSync(link);
      }
      // another directory is another journal
      openJournal({ dir: tempDir() });
      j.close();
      open = open.filter((x) => x !== j);
      openJournal({ dir });
    });
  });
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return assert.fail('expected an exception');
}
