import { clearSlot, hashOf as hashString } from '../core/string-map';

/**
 * The announcement memory's entries, in announcement order, with an index by data_id: no object
 * per entry, only slots of parallel typed arrays (and of two string arrays when the strings are
 * kept in the heap), so that a full memory forgetting one entry per new one leaves nothing in
 * V8's old generation to collect.
 *
 * Without the strings, the index holds each data_id's hash alone, and the owner tells whether an
 * entry whose hash matches holds the data_id asked for (the memory reads its line back). With a
 * 30-bit hash seeded per process, an entry of another data_id matches once in a billion probes or
 * so, and a sender cannot make it match on purpose.
 *
 * Entries [head, tail) are the ones not forgotten yet, oldest first; a replaced or forgotten one
 * stays in place, `len` -1, until the arrays are compacted, which happens when an entry is added
 * at the end of the arrays: the live ones move to the front (or to arrays half as large again as
 * they are) and the index is rebuilt. That costs a move per live entry at most once per half as
 * many additions, and bounds the arrays at 1.5 times the live entries plus the additions since.
 */
export class EntryTable {
  head = 0;
  tail = 0;
  /** live entries */
  size = 0;
  /** per entry: its data_id's hash, where its line starts in the file, the line's length (-1 once gone), when it was set */
  hashes = new Int32Array(MIN_CAPACITY);
  pos = new Float64Array(MIN_CAPACITY);
  lens = new Int32Array(MIN_CAPACITY);
  ats = new Float64Array(MIN_CAPACITY);
  /** the data_ids and fingerprints, when the heap keeps them */
  keys: string[] | undefined;
  fingerprints: string[] | undefined;
  /** entry + 1 per slot, 0 for an empty one; at most half full */
  private table = new Int32Array(4 * MIN_CAPACITY);
  private mask = 4 * MIN_CAPACITY - 1;
  /** the data_id hashed last and its hash: a data_id is often looked up, then set */
  private lastKey = '';
  private lastHash: number;

  /** `hashOf`: for tests, which make data_ids collide */
  constructor(
    keepStrings: boolean,
    private readonly hashOf: (key: string) => number = hashString,
  ) {
    this.lastHash = this.hashOf('');
    if (keepStrings) {
      this.keys = new Array<string>(MIN_CAPACITY).fill('');
      this.fingerprints = new Array<string>(MIN_CAPACITY).fill('');
    }
  }

  /**
   * The entry holding `key`, or -1. Without the strings, `holds(i, key)` says whether entry `i`,
   * whose hash is the key's, holds it.
   */
  find(key: string, holds: (i: number, key: string) => boolean): number {
    const h = this.hash(key);
    const keys = this.keys;
    let p = h & this.mask;
    for (let e = this.table[p]; e !== 0; e = this.table[p]) {
      const i = e - 1;
      if (this.hashes[i] === h && (keys === undefined ? holds(i, key) : keys[i] === key)) return i;
      p = (p + 1) & this.mask;
    }
    return -1;
  }

  /** Adds an entry at the end (the caller knows `key` is not held); returns it. */
  add(key: string, fingerprint: string, at: number, pos: number, len: number): number {
    if (this.tail === this.hashes.length) this.compact();
    const i = this.tail++;
    const h = this.hash(key);
    this.hashes[i] = h;
    this.pos[i] = pos;
    this.lens[i] = len;
    this.ats[i] = at;
    if (this.keys !== undefined && this.fingerprints !== undefined) {
      this.keys[i] = key;
      this.fingerprints[i] = fingerprint;
    }
    let p = h & this.mask;
    while (this.table[p] !== 0) p = (p + 1) & this.mask;
    this.table[p] = i + 1;
    this.size++;
    return i;
  }

  /** Takes a live entry out of the index; its strings go at once, its slot at the next compaction. */
  remove(i: number): void {
    const mask = this.mask;
    let slot = this.hashes[i] & mask;
    while (this.table[slot] !== i + 1) slot = (slot + 1) & mask;
    clearSlot(this.table, mask, this.hashes, slot);
    this.lens[i] = -1;
    if (this.keys !== undefined && this.fingerprints !== undefined) {
      this.keys[i] = '';
      this.fingerprints[i] = '';
    }
    this.size--;
  }

  /** The oldest live entry, or -1; the gone ones before it are passed for good. */
  oldest(): number {
    while (this.head < this.tail && this.lens[this.head] < 0) this.head++;
    return this.head < this.tail ? this.head : -1;
  }

  private hash(key: string): number {
    if (key === this.lastKey) return this.lastHash;
    const h = this.hashOf(key);
    this.lastKey = key;
    this.lastHash = h;
    return h;
  }

  /** Live entries to the front of arrays 1.5 times their number (at least), then the index rebuilt. */
  private compact(): void {
    const capacity = Math.max(MIN_CAPACITY, this.size + (this.size >> 1) + 1);
    const same = capacity === this.hashes.length;
    const hashes = same ? this.hashes : new Int32Array(capacity);
    const pos = same ? this.pos : new Float64Array(capacity);
    const lens = same ? this.lens : new Int32Array(capacity);
    const ats = same ? this.ats : new Float64Array(capacity);
    const keys = this.keys === undefined ? undefined : same ? this.keys : new Array<string>(capacity).fill('');
    const fingerprints = this.fingerprints === undefined ? undefined : same ? this.fingerprints : new Array<string>(capacity).fill('');
    let n = 0;
    for (let i = this.head; i < this.tail; i++) {
      if (this.lens[i] < 0) continue;
      hashes[n] = this.hashes[i];
      pos[n] = this.pos[i];
      lens[n] = this.lens[i];
      ats[n] = this.ats[i];
      if (keys !== undefined && fingerprints !== undefined && this.keys !== undefined && this.fingerprints !== undefined) {
        keys[n] = this.keys[i];
        fingerprints[n] = this.fingerprints[i];
      }
      n++;
    }
    if (keys !== undefined && fingerprints !== undefined) {
      // what moved to the front is still referenced from where it was
      keys.fill('', n);
      fingerprints.fill('', n);
    }
    this.hashes = hashes;
    this.pos = pos;
    this.lens = lens;
    this.ats = ats;
    this.keys = keys;
    this.fingerprints = fingerprints;
    this.head = 0;
    this.tail = n;
    // at most half full even once every slot of the arrays is live
    let slots = this.table.length;
    while (slots < 2 * capacity) slots *= 2;
    this.table = slots === this.table.length ? this.table.fill(0) : new Int32Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < n; i++) {
      let p = hashes[i] & this.mask;
      while (this.table[p] !== 0) p = (p + 1) & this.mask;
      this.table[p] = i + 1;
    }
  }
}

const MIN_CAPACITY = 16;
