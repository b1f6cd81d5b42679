import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AnnouncementMemory, JournalLockedError, readMemorySnapshot, type MemoryOptions } from '../../../nodes/lib/reliability/memory';
import { AWKWARD, cleanup, heapKept, tempDir } from './helpers';

const DAY = 24 * 3600 * 1000;

describe('announcement memory', () => {
  let open: AnnouncementMemory[] = [];
  let clock = 1_700_000_000_000;
  const now = (): number => clock;
  const openMemory = (options: Partial<MemoryOptions> & { file: string }): AnnouncementMemory => {
    const m = AnnouncementMemory.open({ now, ...options });
    open.push(m);
    return m;
  };
  const reopen = (m: AnnouncementMemory, options: Partial<MemoryOptions> & { file: string }): AnnouncementMemory => {
    m.close();
    open = open.filter((x) => x !== m);
    return openMemory(options);
  };

  beforeEach(() => {
    clock = 1_700_000_000_000;
  });

  afterEach(() => {
    for (const m of open) m.close();
    open = [];
    cleanup();
  });

  it('tells new, duplicate and update apart, and forgets a deletion', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    const m = openMemory({ file });
    assert.equal(m.get('argo/1.nc'), undefined);
    m.set('argo/1.nc', 'sha512=AAA');
    assert.deepEqual(m.get('argo/1.nc'), { fingerprint: 'sha512=AAA', at: clock });
    clock += 1000;
    m.set('argo/1.nc', 'sha512=BBB');
    assert.deepEqual(m.get('argo/1.nc'), { fingerprint: 'sha512=BBB', at: clock });
    assert.equal(m.size(), 1);
    m.delete('argo/1.nc');
    assert.equal(m.get('argo/1.nc'), undefined);
    assert.equal(m.size(), 0);
    // deleting what is not there writes nothing
    const size = fs.statSync(file).size;
    m.delete('argo/1.nc');
    m.delete('never');
    assert.equal(fs.statSync(file).size, size);
  });

  it('keeps every set and delete across a restart, with its time', () => {
    const file = path.join(tempDir(), 'nested', 'dir', 'memory.jsonl');
    let m = openMemory({ file });
    m.set('a', '1');
    clock += 10;
    m.set('b', '2');
    m.set('c', '3');
    m.delete('b');
    clock += 10;
    m.set('a', '4');
    m = reopen(m, { file });
    assert.deepEqual(m.recoveryWarnings, []);
    assert.deepEqual(m.get('a'), { fingerprint: '4', at: clock });
    assert.equal(m.get('b'), undefined);
    assert.deepEqual(m.get('c'), { fingerprint: '3', at: clock - 10 });
    assert.equal(m.size(), 2);
  });

  it('stores any string as key and fingerprint', async () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    let m = openMemory({ file });
    for (const [i, key] of AWKWARD.entries()) m.set(key, AWKWARD[(i + 3) % AWKWARD.length]);
    m = reopen(m, { file });
    assert.deepEqual(m.recoveryWarnings, []);
    assert.equal(m.size(), AWKWARD.length);
    for (const [i, key] of AWKWARD.entries()) assert.equal(m.get(key)?.fingerprint, AWKWARD[(i + 3) % AWKWARD.length], JSON.stringify(key));
    // and so does a reader without the lock (reconciliation), U+2028 and U+2029 included
    const snapshot = await readMemorySnapshot(file, DAY, clock);
    assert.deepEqual([...snapshot], AWKWARD.map((key, i) => [key, AWKWARD[(i + 3) % AWKWARD.length]]));
    // one record per line, whatever the strings held
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 1 + AWKWARD.length);
  });

  it('refuses keys and fingerprints that are not strings', () => {
    const m = openMemory({ file: path.join(tempDir(), 'memory.jsonl') });
    assert.throws(() => {
      m.set(1 as unknown as string, 'x');
    }, TypeError);
    assert.throws(() => {
      m.set('x', undefined as unknown as string);
    }, TypeError);
  });

  it('holds a record as the object itself, read back as its JSON text, beside strings, across rewrites and a restart', async () => {
    for (const keepOnDisk of [false, true]) {
      const file = path.join(tempDir(), 'memory.jsonl');
      const options = { file, keepOnDisk, rewriteStepBytes: 4096, alias: (fp: string) => (fp.startsWith('{"id":"') ? fp.slice(7, fp.indexOf('"', 7)) : '') };
      const record = (i: number, key: string): Record<string, unknown> => ({ id: `n-${i}`, text: AWKWARD[i % AWKWARD.length], key, arrivals: { 'de-dwd': i } });
      let m = openMemory(options);
      for (let round = 0; round < 10; round++) {
        for (const [i, key] of AWKWARD.entries()) {
          if (i % 2 === 0) m.setRecord(key, record(round * 100 + i, key));
          else m.set(key, `sha512=${round}-${i}`);
        }
      }
      const check = (mem: AnnouncementMemory, when: string): void => {
        for (const [i, key] of AWKWARD.entries()) {
          const fp = mem.get(key)?.fingerprint;
          if (i % 2 === 0) {
            assert.equal(fp, JSON.stringify(record(900 + i, key)), `${when}: ${JSON.stringify(key)}`);
            assert.equal(mem.findByAlias(`n-${900 + i}`)?.[0], key, when);
          } else assert.equal(fp, `sha512=9-${i}`, `${when}: ${JSON.stringify(key)}`);
        }
        assert.equal(mem.findByAlias('n-800'), undefined, when);
      };
      check(m, `keepOnDisk ${String(keepOnDisk)}`);
      m = reopen(m, options);
      assert.deepEqual(m.recoveryWarnings, []);
      check(m, `keepOnDisk ${String(keepOnDisk)}, reopened`);
      // the object itself is in the line, not a string of it escaped a second time
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('["r",'));
      assert.ok(lines.length >= Math.ceil(AWKWARD.length / 2), `${lines.length} lines`);
      for (const line of lines) assert.match(line, /^\["r","(?:[^"\\]|\\.)*",\{"id":"n-\d+",.*\},1\d+\]$/);
      m.close();
      open = open.filter((x) => x !== m);
      // what a reconciliation reads without the lock says the same
      const snapshot = await readMemorySnapshot(file, DAY, clock);
      for (const [i, key] of AWKWARD.entries()) assert.equal(snapshot.get(key), i % 2 === 0 ? JSON.stringify(record(900 + i, key)) : `sha512=9-${i}`);
    }
  });

  it('refuses a record that is not a plain object, and writes nothing for it', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    const m = openMemory({ file });
    const size = fs.statSync(file).size;
    for (const bad of [[1, 2], 'text', null, { toJSON: () => 'text' }]) {
      assert.throws(() => {
        m.setRecord('x', bad as unknown as Record<string, unknown>);
      }, TypeError);
    }
    assert.throws(() => {
      m.setRecord(1 as unknown as string, {});
    }, TypeError);
    assert.equal(fs.statSync(file).size, size);
    assert.equal(m.size(), 0);
  });

  it('forgets the oldest announced beyond maxEntries, the same way after a restart', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    let m = openMemory({ file, maxEntries: 1000 });
    for (let i = 0; i < 1000; i++) {
      clock++;
      m.set(`k${i}`, `f${i}`);
    }
    for (let i = 1000; i < 1500; i++) {
      clock++;
      m.set(`k${i}`, `f${i}`);
    }
    // announced again, so no longer the oldest: k1000 is older now
    m.set('k0', 'again');
    for (let i = 1500; i < 2000; i++) {
      clock++;
      m.set(`k${i}`, `f${i}`);
    }
    const check = (mem: AnnouncementMemory): void => {
      assert.equal(mem.size(), 1000);
      assert.equal(mem.get('k0')?.fingerprint, 'again');
      for (let i = 1; i <= 1000; i++) assert.equal(mem.get(`k${i}`), undefined, `k${i}`);
      for (let i = 1001; i < 2000; i++) assert.equal(mem.get(`k${i}`)?.fingerprint, `f${i}`);
    };
    check(m);
    m = reopen(m, { file, maxEntries: 1000 });
    check(m);
  });

  it('holds on to nothing of the entries it forgot beyond maxEntries', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    const size = 50_000;
    const m = openMemory({ file, maxEntries: size });
    for (let i = 0; i < size; i++) m.set(`k${i}`, `f${i}`);
    const full = heapKept();
    // fewer than `size` evictions: the entries' arrays are not compacted meanwhile, so the slots
    // of the forgotten ones are all still there
    const forgotten = size - 2000;
    for (let i = size; i < size + forgotten; i++) m.set(`k${i}`, `f${i}`);
    const perForgotten = (heapKept() - full) / forgotten;
    assert.equal(m.size(), size);
    // measured on Node.js 24: 6 bytes of heap (the string arrays grown with the entries' arrays),
    // 129 when each forgotten entry's record stayed reachable from the announcement order
    assert.ok(perForgotten < 85, `${perForgotten.toFixed(1)} bytes kept per entry forgotten`);
  });

  it('keeps evicting in announcement order through many replacements', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    let m = openMemory({ file, maxEntries: 50 });
    const model = new Map<string, string>();
    // enough replacements that the order queue is rebuilt many times over
    for (let i = 0; i < 20_000; i++) {
      const key = `k${(i * 7919) % 80}`;
      m.set(key, `f${i}`);
      model.delete(key);
      model.set(key, `f${i}`);
      if (model.size > 50) model.delete(model.keys().next().value as string);
    }
    const check = (mem: AnnouncementMemory): void => {
      assert.equal(mem.size(), 50);
      for (let k = 0; k < 80; k++) assert.equal(mem.get(`k${k}`)?.fingerprint, model.get(`k${k}`), `k${k}`);
    };
    check(m);
    m = reopen(m, { file, maxEntries: 50 });
    check(m);
  });

  it('treats entries older than maxAgeMs as absent, and an announcement again as fresh', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    let m = openMemory({ file, maxAgeMs: 30 * DAY });
    m.set('old', 'x');
    clock += 10 * DAY;
    m.set('middle', 'y');
    m.set('renewed', 'z');
    clock += 19 * DAY;
    m.set('renewed', 'z');
    assert.equal(m.size(), 3);
    clock += DAY;
    // 30 days after 'old' exactly
    assert.equal(m.get('old'), undefined);
    assert.equal(m.get('middle')?.fingerprint, 'y');
    assert.equal(m.size(), 2);
    clock += 10 * DAY;
    assert.equal(m.get('middle'), undefined);
    assert.equal(m.get('renewed')?.fingerprint, 'z');
    m = reopen(m, { file, maxAgeMs: 30 * DAY });
    assert.equal(m.size(), 1);
    assert.equal(m.get('old'), undefined);
    assert.equal(m.get('renewed')?.fingerprint, 'z');
    clock += 30 * DAY;
    assert.equal(m.size(), 0);
  });

  it('compacts its file so many updates of the same keys keep it small', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    let m = openMemory({ file });
    const fp = (k: number, round: number): string => `sha512=${'x'.repeat(80)}-${k}-${round}`;
    let biggest = 0;
    for (let round = 0; round < 500; round++) {
      for (let k = 0; k < 100; k++) m.set(`origin-file-${k}`, fp(k, round));
      biggest = Math.max(biggest, fs.statSync(file).size);
    }
    const live = 100 * Buffer.byteLength(JSON.stringify(['s', 'origin-file-00', fp(0, 499), clock]) + '\n');
    // 50 000 lines written (about 6 MB): the file never held more than twice the live lines
    // plus the 64 KiB floor under which it is not worth rewriting
    assert.ok(biggest <= 2 * live + 64 * 1024 + 200, `file reached ${biggest} bytes for ${live} live`);
    assert.ok(!fs.existsSync(`${file}.tmp`));
    m = reopen(m, { file });
    assert.deepEqual(m.recoveryWarnings, []);
    assert.equal(m.size(), 100);
    for (let k = 0; k < 100; k++) assert.equal(m.get(`origin-file-${k}`)?.fingerprint, fp(k, 499));
  });

  it('finds an entry by the alias its fingerprint gives, across updates, evictions, rewrites and a restart', () => {
    for (const keepOnDisk of [false, true]) {
      const file = path.join(tempDir(), 'memory.jsonl');
      // the alias is the fingerprint's part before the first space, as the tracker's id is its record's front
      const options = { file, keepOnDisk, maxEntries: 150, rewriteStepBytes: 4096, alias: (fp: string) => fp.slice(0, fp.indexOf(' ')) };
      let m = openMemory(options);
      for (let round = 0; round < 20; round++) {
        for (let k = 0; k < 100; k++) m.set(`file-${k}-${round < 10 ? 'a' : 'b'}`, `id-${round}-${k} ${'x'.repeat(60)}`);
      }
      m.delete('file-3-b');
      const check = (mem: AnnouncementMemory, when: string): void => {
        // the last round's ids find their files; earlier ids of the same files, and deleted or evicted ones, find nothing
        assert.deepEqual(mem.findByAlias('id-19-5')?.[0], 'file-5-b', when);
        assert.equal(mem.findByAlias('id-19-5')?.[1].fingerprint, `id-19-5 ${'x'.repeat(60)}`, when);
        assert.equal(mem.findByAlias('id-18-5'), undefined, `${when}: replaced`);
        assert.equal(mem.findByAlias('id-19-3'), undefined, `${when}: deleted`);
        assert.equal(mem.findByAlias('id-9-10'), undefined, `${when}: evicted`);
        assert.equal(mem.findByAlias('id-9-50')?.[0], 'file-50-a', `${when}: not evicted`);
        assert.equal(mem.findByAlias('id-nothing'), undefined, when);
        let found = 0;
        for (let k = 0; k < 100; k++) if (mem.findByAlias(`id-19-${k}`) !== undefined) found++;
        assert.equal(found, 99, when);
      };
      check(m, `keepOnDisk ${String(keepOnDisk)}`);
      // 2,000 lines of some 100 bytes written, 149 live: the file was rewritten along the way
      assert.ok(fs.statSync(file).size < 100_000, `${fs.statSync(file).size} bytes`);
      m = reopen(m, options);
      assert.deepEqual(m.recoveryWarnings, []);
      check(m, `keepOnDisk ${String(keepOnDisk)}, reopened`);
      // past maxAgeMs, an alias finds nothing, as its entry is absent
      clock += 31 * 24 * 3600_000;
      assert.equal(m.findByAlias('id-19-5'), undefined);
      clock -= 31 * 24 * 3600_000;
      m.close();
      open = open.filter((x) => x !== m);
      // a memory without aliases finds none
      assert.equal(openMemory({ file }).findByAlias('id-19-5'), undefined);
      for (const x of open) x.close();
      open = [];
    }
  });

  it('cuts off a line torn by a kill, so the next line is not glued to it', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    let m = openMemory({ file });
    m.set('a', '1');
    m.set('b', '2');
    m.close();
    open = [];
    fs.appendFileSync(file, '["s","c","3",17');
    m = openMemory({ file });
    assert.equal(m.recoveryWarnings.length, 1);
    assert.match(m.recoveryWarnings[0], /torn last line \(15 bytes/);
    assert.equal(m.get('c'), undefined);
    m.set('d', '4');
    m = reopen(m, { file });
    assert.deepEqual(m.recoveryWarnings, []);
    assert.equal(m.get('a')?.fingerprint, '1');
    assert.equal(m.get('d')?.fingerprint, '4');
    assert.equal(m.size(), 3);
  });

  it('skips a damaged line in the middle and keeps the rest', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    let m = openMemory({ file });
    m.set('a', '1');
    m.set('b', '2');
    m.set('c', '3');
    m.close();
    open = [];
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2].replace('[', '{');
    lines.splice(3, 0, '{"s":"x"}', '["s","wrong",1,2]', '');
    fs.writeFileSync(file, lines.join('\n'));
    m = openMemory({ file });
    assert.deepEqual(
      m.recoveryWarnings.map((w) => w.replace(/^memory\.jsonl /, '')),
      ['line 3: not JSON, skipped', 'line 4: not a memory record, skipped', 'line 5: not a memory record, skipped', 'line 6: not JSON, skipped'],
    );
    assert.equal(m.get('a')?.fingerprint, '1');
    assert.equal(m.get('b'), undefined);
    assert.equal(m.get('c')?.fingerprint, '3');
    assert.equal(m.get('wrong'), undefined);
  });

  it('starts afresh from an empty file and ignores a compaction a kill interrupted', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    fs.writeFileSync(file, '');
    fs.writeFileSync(`${file}.tmp`, '["wis2-memory",1]\n["s","half","done"');
    const m = openMemory({ file });
    assert.equal(m.size(), 0);
    assert.ok(!fs.existsSync(`${file}.tmp`));
    m.set('a', '1');
    assert.equal(fs.readFileSync(file, 'utf8').split('\n')[0], '["wis2-memory",1]');
  });

  it('refuses a second open of the same file in this process', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    const m = openMemory({ file });
    assert.throws(() => AnnouncementMemory.open({ file }), JournalLockedError);
    assert.throws(() => AnnouncementMemory.open({ file: path.join(path.dirname(file), '.', 'memory.jsonl') }), JournalLockedError);
    m.close();
    m.close();
    assert.throws(() => m.get('a'), /closed/);
    open = [];
    openMemory({ file });
  });

  it('checks its options', () => {
    const file = path.join(tempDir(), 'memory.jsonl');
    assert.throws(() => AnnouncementMemory.open({ file, maxEntries: 0 }), RangeError);
    assert.throws(() => AnnouncementMemory.open({ file, maxAgeMs: Number.NaN }), RangeError);
    openMemory({ file });
  });
});
