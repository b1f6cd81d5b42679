import { randomInt } from 'node:crypto';

/**
 * A Map from strings to values for maps that hold many keys while keys come and go (a bounded
 * memory forgetting its oldest entry at each new one): its memory follows the number of keys it
 * holds, not the number it has seen.
 *
 * V8's Map leaves a hole per deleted key and rebuilds its table once keys and holes fill it, at
 * twice the size unless the holes are half of it. A Map that holds a steady 100,000 keys with one
 * deleted per one added doubles its table once the deletions start, from 3.5 to 7 MiB, and keeps
 * that size (measured on Node.js 24; 28 to 56 MiB for a million keys).
 *
 * Here: open addressing with linear probing in a table of entry numbers at most half full, and a
 * deletion that moves the keys after it back into the hole, so no holes are left and nothing is
 * rebuilt but to grow. Entries live in parallel arrays, their slots reused through a free list.
 * The table never shrinks: it stays as large as the most keys held at once needed.
 *
 * The hash is seeded per process, so that a sender of data_ids cannot line them up on one probe
 * run. Iteration is not offered: the owners keep their own order.
 */
export class StringMap<V> {
  /** entry number + 1 per table slot; 0 for an empty slot */
  private table = new Int32Array(16);
  private mask = 15;
  /**
   * The entries, as many as half the table has slots, so that they grow with the table only: an
   * array grown an entry at a time grows by half again whenever it is full, which may be at the
   * first key added once the keys start coming and going
   */
  private keys: string[] = new Array<string>(8).fill('');
  private values: (V | undefined)[] = new Array<V | undefined>(8).fill(undefined);
  /** per entry, its key's hash (30 bits) */
  private hashes = new Int32Array(8);
  /** entries free for reuse, and the first never used */
  private free: number[] = [];
  private unused = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const e = this.table[this.probe(key, hashOf(key))];
    return e === 0 ? undefined : this.values[e - 1];
  }

  has(key: string): boolean {
    return this.table[this.probe(key, hashOf(key))] !== 0;
  }

  set(key: string, value: V): this {
    const h = hashOf(key);
    let p = this.probe(key, h);
    const found = this.table[p];
    if (found !== 0) {
      this.values[found - 1] = value;
      return this;
    }
    if (2 * (this.count + 1) > this.table.length) {
      this.grow();
      p = emptySlot(this.table, this.mask, h);
    }
    const i = this.free.length > 0 ? (this.free.pop() as number) : this.unused++;
    this.keys[i] = key;
    this.values[i] = value;
    this.hashes[i] = h;
    this.table[p] = i + 1;
    this.count++;
    return this;
  }

  delete(key: string): boolean {
    const hole = this.probe(key, hashOf(key));
    const e = this.table[hole];
    if (e === 0) return false;
    const i = e - 1;
    // the strings and the value go at once; the entry's slot waits for the next key
    this.keys[i] = '';
    this.values[i] = undefined;
    this.free.push(i);
    this.count--;
    clearSlot(this.table, this.mask, this.hashes, hole);
    return true;
  }

  /** The table slot that holds `key`, or the empty slot where its probe run ends. */
  private probe(key: string, h: number): number {
    let p = h & this.mask;
    for (let e = this.table[p]; e !== 0; e = this.table[p]) {
      if (this.hashes[e - 1] === h && this.keys[e - 1] === key) return p;
      p = (p + 1) & this.mask;
    }
    return p;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length - 1;
    const entries = this.table.length / 2;
    this.keys = this.keys.concat(new Array<string>(entries - this.keys.length).fill(''));
    this.values = this.values.concat(new Array<V | undefined>(entries - this.values.length).fill(undefined));
    const hashes = new Int32Array(entries);
    hashes.set(this.hashes);
    this.hashes = hashes;
    for (let p = 0; p < old.length; p++) {
      const e = old[p];
      if (e !== 0) this.table[emptySlot(this.table, this.mask, this.hashes[e - 1])] = e;
    }
  }
}

/** The empty slot where a probe for hash `h` ends, in a table of entry numbers + 1 probed linearly. */
export function emptySlot(table: Int32Array, mask: number, h: number): number {
  let p = h & mask;
  while (table[p] !== 0) p = (p + 1) & mask;
  return p;
}

/**
 * Empties slot `hole` of a table of entry numbers + 1 (0 for an empty slot) probed linearly,
 * moving back into it each entry after it whose probe started at or before it, so that no probe
 * run is cut: a deletion that leaves no hole behind. `hashes[e]`: entry e's hash.
 */
export function clearSlot(table: Int32Array, mask: number, hashes: Int32Array, hole: number): void {
  for (let q = (hole + 1) & mask, f = table[q]; f !== 0; q = (q + 1) & mask, f = table[q]) {
    const home = hashes[f - 1] & mask;
    if (((q - home) & mask) >= ((q - hole) & mask)) {
      table[hole] = f;
      hole = q;
    }
  }
  table[hole] = 0;
}

const SEED = randomInt(0x7fffffff);

/**
 * Where a key's UTF-8 is written to be hashed four bytes at a time: for a 131-character key, a
 * JavaScript loop over its characters took some 3,900 machine instructions (callgrind, Node.js
 * 24) and 228 ns, the native encoding and a loop over 32-bit words 2,100 and 105 ns. Keys of up
 * to a third of its length fit, with room for the zeros after the last byte.
 */
const KEY_BYTES = new Uint8Array(4096);
const KEY_WORDS = new Int32Array(KEY_BYTES.buffer);
const encoder = new TextEncoder();

/**
 * The last two keys hashed and their hashes: one event's data_id is looked up in a memory,
 * then in another and in a map, with a notification id between.
 */
let key0 = '';
let hash0 = finish(seeded(0));
let key1 = '';
let hash1 = hash0;

/**
 * A 30-bit hash of a string, from a random seed: FNV-1a over the 32-bit words of an ASCII key's
 * bytes (the UTF-16 code units of any other key), then MurmurHash3's final mix.
 */
export function hashOf(s: string): number {
  if (s === key0) return hash0;
  if (s === key1) {
    key1 = key0;
    key0 = s;
    const h = hash1;
    hash1 = hash0;
    hash0 = h;
    return h;
  }
  const h = finish(3 * s.length < KEY_BYTES.length ? wordsOrUnits(s) : unitsOf(s));
  key1 = key0;
  hash1 = hash0;
  key0 = s;
  hash0 = h;
  return h;
}

function seeded(length: number): number {
  return (0x811c9dc5 ^ SEED ^ length) | 0;
}

/**
 * FNV-1a over the key's UTF-8 taken as 32-bit words, the last one filled with zeros, from a basis
 * that holds the length. Only an ASCII key has as many bytes as code units: UTF-8 writes every
 * lone surrogate as the same three bytes, which would let a sender make keys collide at will, so
 * other keys are hashed by their code units.
 */
function wordsOrUnits(s: string): number {
  const { written } = encoder.encodeInto(s, KEY_BYTES);
  if (written !== s.length) return unitsOf(s);
  KEY_BYTES[written] = 0;
  KEY_BYTES[written + 1] = 0;
  KEY_BYTES[written + 2] = 0;
  let h = seeded(written);
  const words = (written + 3) >> 2;
  for (let i = 0; i < words; i++) h = Math.imul(h ^ KEY_WORDS[i], 0x01000193);
  return h;
}

/** FNV-1a over the UTF-16 code units. */
function unitsOf(s: string): number {
  let h = seeded(s.length);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}
