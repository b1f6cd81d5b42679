import assert from 'node:assert/strict';
import { hashOf, StringMap } from '../../../nodes/lib/core/string-map';
import { heapKept } from '../reliability/helpers';

/** A repeatable stream of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** V8's heap after full collections plus the memory of ArrayBuffers (where the table lives). */
function kept(): number {
  const heap = heapKept();
  return heap + process.memoryUsage().arrayBuffers;
}

describe('StringMap', () => {
  it('answers as a Map does through a long run of sets, gets and deletes', () => {
    const random = seeded(7);
    const model = new Map<string, number>();
    const map = new StringMap<number>();
    // few distinct keys, so that probe runs are long and deletions move keys back often
    const keys = ['', 'é', '\u{1F30A}', 'a'.repeat(300), ...Array.from({ length: 600 }, (_, i) => `fr-ifremer-argo/data/${i}`)];
    for (let step = 0; step < 200_000; step++) {
      const key = keys[Math.floor(random() * keys.length)];
      const r = random();
      if (r < 0.45) {
        map.set(key, step);
        model.set(key, step);
      } else if (r < 0.8) {
        assert.equal(map.delete(key), model.delete(key), `delete ${key} at ${step}`);
      } else {
        assert.equal(map.get(key), model.get(key), `get ${key} at ${step}`);
        assert.equal(map.has(key), model.has(key), `has ${key} at ${step}`);
      }
      assert.equal(map.size, model.size);
    }
    for (const key of keys) assert.equal(map.get(key), model.get(key), key);
  });

  it('finds every key after deletions in the middle of a probe run', () => {
    const map = new StringMap<string>();
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    for (const k of keys) map.set(k, k);
    for (let i = 0; i < keys.length; i += 3) assert.ok(map.delete(keys[i]));
    for (let i = 0; i < keys.length; i++) assert.equal(map.get(keys[i]), i % 3 === 0 ? undefined : keys[i], keys[i]);
    assert.equal(map.size, keys.length - Math.ceil(keys.length / 3));
    assert.equal(map.delete('k0'), false);
  });

  it('keeps the same size while keys come and go, where V8 Map doubles its table', function () {
    this.timeout(60_000);
    const n = 100_000;
    // every key made up front and kept, so that only the maps' own memory is compared; flat, as
    // data_ids parsed from JSON are (hashing a concatenation makes V8 flatten it into a new string)
    const keys = JSON.parse(JSON.stringify(Array.from({ length: 3 * n }, (_, i) => `fr-ifremer-argo/data/core/ocean/R${6_900_000 + i}_001.nc`))) as string[];
    const churn = (m: { set(k: string, v: number): unknown; delete(k: string): boolean }): number => {
      for (let i = 0; i < n; i++) m.set(keys[i], i);
      const full = kept();
      // one key forgotten per key added, as in a full announcement memory
      for (let i = n; i < 3 * n; i++) {
        m.set(keys[i], i);
        m.delete(keys[i - n]);
      }
      return (kept() - full) / n;
    };
    const ours = new StringMap<number>();
    const grownOurs = churn(ours);
    assert.equal(ours.size, n);
    const v8Map = new Map<string, number>();
    const grownMap = churn(v8Map);
    assert.equal(v8Map.size, n);
    assert.equal(keys.length, 3 * n);
    // measured on Node.js 24: under 1 byte per key for this map, 36 for Map (3.5 MiB more table)
    assert.ok(grownOurs < 4, `${grownOurs.toFixed(1)} bytes more per key after the churn`);
    assert.ok(grownMap > 20, `Map: ${grownMap.toFixed(1)} bytes more per key (the reason for this class)`);
  });

  it('hashes to 30 bits, differently for keys that differ in one code unit', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const h = hashOf(`data/${i}`);
      assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 30);
      seen.add(h);
    }
    // 10,000 keys in 2^30 values: a collision or two at most
    assert.ok(seen.size >= 9_998, `${seen.size} distinct hashes`);
  });

  it('hashes a key the same however its string was made, and whichever keys came before', () => {
    const keys = [
      'wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers/dac/coriolis/6900002/profiles/R6900002_002.nc',
      'a',
      '',
      'été/данные',
      'x\ud800y',
      'k'.repeat(5000),
      `${'é'.repeat(1400)}z`,
    ];
    const expected = keys.map((k) => hashOf(k));
    // the same text as a rope, as a slice of a longer text, and as a fresh copy, with other keys
    // hashed between and the two last ones alternating
    for (const [i, key] of keys.entries()) {
      const half = key.length >> 1;
      const rope = key.slice(0, half) + key.slice(half);
      const slice = `#${key}#`.slice(1, key.length + 1);
      const copy = Buffer.from(key, 'utf16le').toString('utf16le');
      for (const k of [rope, keys[(i + 1) % keys.length], slice, keys[(i + 2) % keys.length], copy, rope]) {
        assert.equal(hashOf(k), expected[keys.indexOf(k)], JSON.stringify(k.slice(0, 40)));
      }
    }
  });

  it('tells apart keys that only differ by trailing NUL characters or by which lone surrogate they hold', () => {
    // NUL pads an ASCII key's last word; UTF-8 writes every lone surrogate as the same three bytes
    const nul = ['k', 'k\0', 'k\0\0', 'k\0\0\0', 'k\0\0\0\0'].map((k) => hashOf(k));
    assert.equal(new Set(nul).size, nul.length);
    const lone = new Set<number>();
    for (let u = 0xd800; u < 0xe000; u++) lone.add(hashOf(`data/${String.fromCharCode(u)}/x`));
    assert.ok(lone.size >= 2046, `${lone.size} distinct hashes of 2,048 keys`);
  });
});
