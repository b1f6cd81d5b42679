import assert from 'node:assert/strict';
import { EntryTable } from '../../../nodes/lib/reliability/entry-table';

/** A repeatable stream of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The table against a Map kept in insertion order (announcement order), through additions,
 * removals and the evictions of the oldest, with the data_ids in the heap or told by the owner,
 * as the memory tells them from its file.
 */
function run(keepStrings: boolean, hash: ((key: string) => number) | undefined, steps: number, seed: number): void {
  const random = seeded(seed);
  const table = new EntryTable(keepStrings, hash);
  // what the owner knows of each entry when the table keeps no strings: its line, here its key
  const lines = new Map<number, string>();
  let asked = 0;
  const holds = (i: number, key: string): boolean => {
    asked++;
    assert.ok(!keepStrings, 'asked the owner although it keeps the strings');
    return lines.get(table.pos[i]) === key;
  };
  const model = new Map<string, { pos: number; at: number }>();
  const keys = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? `é-${i}` : `fr-ifremer-argo/data/${i}.nc`));
  let pos = 0;
  for (let step = 0; step < steps; step++) {
    const key = keys[Math.floor(random() * keys.length)];
    const r = random();
    const found = table.find(key, holds);
    assert.equal(found >= 0, model.has(key), `find ${key} at ${step}`);
    if (found >= 0) {
      assert.equal(table.pos[found], model.get(key)?.pos);
      assert.equal(table.ats[found], model.get(key)?.at);
      if (keepStrings) assert.equal(table.keys?.[found], key);
    }
    if (r < 0.55) {
      if (found >= 0) table.remove(found);
      model.delete(key);
      pos += 100;
      lines.set(pos, key);
      table.add(key, `fp-${step}`, step, pos, 100);
      model.set(key, { pos, at: step });
    } else if (r < 0.75 && found >= 0) {
      table.remove(found);
      model.delete(key);
    } else if (model.size > 120) {
      // the oldest goes, as in a full memory
      const oldest = table.oldest();
      const [first] = model.keys();
      assert.equal(table.pos[oldest], model.get(first)?.pos, `oldest at ${step}`);
      table.remove(oldest);
      model.delete(first);
    }
    assert.equal(table.size, model.size);
  }
  // what is left, in announcement order
  const left: number[] = [];
  for (let i = table.head; i < table.tail; i++) if (table.lens[i] >= 0) left.push(table.pos[i]);
  assert.deepEqual(left, [...model.values()].map((v) => v.pos));
  if (!keepStrings && hash !== undefined) assert.ok(asked > steps, `the owner was asked ${asked} times`);
}

/**
 * Aliases (the tracker's notification ids) against a Map from alias to data_id: each addition
 * brings a new alias, or one already used by an entry replaced or forgotten since; the table finds
 * an entry by its alias until it is removed, and an alias of an entry gone finds nothing.
 */
function runAliases(hash: ((key: string) => number) | undefined, steps: number, seed: number): void {
  const random = seeded(seed);
  const table = new EntryTable(false, hash, true);
  const lines = new Map<number, { key: string; alias: string }>();
  const holds = (i: number, key: string): boolean => lines.get(table.pos[i])?.key === key;
  const has = (i: number, alias: string): boolean => lines.get(table.pos[i])?.alias === alias;
  const byAlias = new Map<string, string>();
  const aliasOf = new Map<string, string>();
  const keys = Array.from({ length: 200 }, (_, i) => `fr-ifremer-argo/data/${i}.nc`);
  const aliases = Array.from({ length: 400 }, (_, i) => `id-${i}`);
  let pos = 0;
  const forget = (key: string): void => {
    const alias = aliasOf.get(key);
    if (alias !== undefined) byAlias.delete(alias);
    aliasOf.delete(key);
  };
  for (let step = 0; step < steps; step++) {
    const key = keys[Math.floor(random() * keys.length)];
    const asked = aliases[Math.floor(random() * aliases.length)];
    const at = table.findAlias(asked, has);
    assert.equal(at >= 0 ? lines.get(table.pos[at])?.key : undefined, byAlias.get(asked), `alias ${asked} at ${step}`);
    const found = table.find(key, holds);
    const r = random();
    if (r < 0.6) {
      // an alias in use elsewhere is not given again: ids are unique among the live entries
      if (byAlias.has(asked) && byAlias.get(asked) !== key) continue;
      if (found >= 0) table.remove(found);
      forget(key);
      pos += 100;
      lines.set(pos, { key, alias: asked });
      table.add(key, '', step, pos, 100, asked);
      byAlias.set(asked, key);
      aliasOf.set(key, asked);
    } else if (r < 0.8 && found >= 0) {
      table.remove(found);
      forget(key);
    } else if (aliasOf.size > 80) {
      const oldest = table.oldest();
      const gone = lines.get(table.pos[oldest])?.key ?? '';
      table.remove(oldest);
      forget(gone);
    }
    assert.equal(table.size, aliasOf.size);
  }
  for (const alias of aliases) {
    const at = table.findAlias(alias, has);
    assert.equal(at >= 0 ? lines.get(table.pos[at])?.key : undefined, byAlias.get(alias), `alias ${alias} at the end`);
  }
}

describe('entry table of the announcement memory', () => {
  it('finds, adds, removes and evicts as a Map in insertion order does, strings in the heap or not', () => {
    run(true, undefined, 100_000, 1);
    run(false, undefined, 100_000, 2);
  });

  it('tells data_ids of the same hash apart, by their strings or by asking the owner', () => {
    // every data_id on one probe run, or on a handful
    run(true, () => 12345, 20_000, 3);
    run(false, () => 12345, 20_000, 4);
    run(false, (k) => k.length % 5, 50_000, 5);
  });

  it('finds entries by alias until they are replaced or forgotten, through compactions, whatever the hashes', () => {
    runAliases(undefined, 60_000, 6);
    runAliases(() => 777, 20_000, 7);
    runAliases((k) => k.length % 3, 40_000, 8);
    // a table without aliases finds none
    const plain = new EntryTable(false);
    plain.add('k', '', 0, 0, 10);
    assert.equal(plain.findAlias('', () => true), -1);
  });

  it('keeps its arrays within 1.5 times the most entries held, through 190,000 evictions', () => {
    const table = new EntryTable(false);
    const holds = (): boolean => false;
    for (let i = 0; i < 200_000; i++) {
      table.add(`k${i}`, '', i, i, 10);
      // a memory of 10,000 entries, full, forgetting one per new one
      if (table.size > 10_000) table.remove(table.oldest());
      assert.ok(table.hashes.length <= 15_001, `capacity ${table.hashes.length} at ${i}`);
    }
    assert.equal(table.size, 10_000);
    assert.equal(table.find('k199999', holds) >= 0, false, 'the owner says no');
  });
});
