import { clearSlot, emptySlot, hashOf } from '../core/string-map';

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
 *
 * An entry may also be found by an alias (the cache tracker's: the notification id of the record
 * it keeps), through a second index of the same kind, by the alias's hash; the owner tells
 * whether an entry whose alias hash matches has that alias, as for the data_id without strings.
 */
/** The data_ids and fingerprints, per entry, when the heap keeps them. */
interface Strings {
  keys: string[];
  fingerprints: string[];
}

function strings(capacity: number): Strings {
  return { keys: new Array<string>(capacity).fill(''), fingerprints: new Array<string>(capacity).fill('') };
}

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
  private strings: Strings | undefined;
  /** entry + 1 per slot, 0 for an empty one; at most half full */
  private table = new Int32Array(4 * MIN_CAPACITY);
  private mask = 4 * MIN_CAPACITY - 1;
  private readonly hash: (key: string) => number;
  /** with aliases: per entry its alias's hash, and the index by alias (same size as `table`) */
  private aliases: Aliases | undefined;
  /** whether entry `i` holds `key`, by the strings in the heap */
  private readonly keyIs = (i: number, key: string): boolean => this.strings?.keys[i] === key;

  /** `hash`: for tests, which make data_ids (and aliases) collide */
  constructor(keepStrings: boolean, hash: (key: string) => number = hashOf, withAliases = false) {
    this.hash = hash;
    if (keepStrings) this.strings = strings(MIN_CAPACITY);
    if (withAliases) this.aliases = { hashes: new Int32Array(MIN_CAPACITY), table: new Int32Array(this.table.length) };
  }

  /** the data_ids, when the heap keeps them */
  get keys(): string[] | undefined {
    return this.strings?.keys;
  }

  /** the fingerprints, when the heap keeps them */
  get fingerprints(): string[] | undefined {
    return this.strings?.fingerprints;
  }

  /**
   * The entry holding `key`, or -1. Without the strings, `holds(i, key)` says whether entry `i`,
   * whose hash is the key's, holds it.
   */
  find(key: string, holds: (i: number, key: string) => boolean): number {
    return lookup(this.table, this.mask, this.hashes, this.hash(key), key, this.strings === undefined ? holds : this.keyIs);
  }

  /** The live entry `has(i, alias)` says has `alias`, or -1 (and -1 in a table without aliases). */
  findAlias(alias: string, has: (i: number, alias: string) => boolean): number {
    const a = this.aliases;
    return a === undefined ? -1 : lookup(a.table, this.mask, a.hashes, this.hash(alias), alias, has);
  }

  /** Adds an entry at the end; the caller knows `key` is not held. `alias`: in a table with aliases, '' for none. */
  add(key: string, fingerprint: string, at: number, pos: number, len: number, alias = ''): void {
    if (this.tail === this.hashes.length) this.compact();
    const i = this.tail++;
    const h = this.hash(key);
    this.hashes[i] = h;
    this.pos[i] = pos;
    this.lens[i] = len;
    this.ats[i] = at;
    if (this.strings !== undefined) {
      this.strings.keys[i] = key;
      this.strings.fingerprints[i] = fingerprint;
    }
    this.table[emptySlot(this.table, this.mask, h)] = i + 1;
    const a = this.aliases;
    if (a !== undefined) {
      const ah = this.hash(alias);
      a.hashes[i] = ah;
      a.table[emptySlot(a.table, this.mask, ah)] = i + 1;
    }
    this.size++;
  }

  /** Takes a live entry out of the index; its strings go at once, its slot at the next compaction. */
  remove(i: number): void {
    unindex(this.table, this.mask, this.hashes, i);
    if (this.aliases !== undefined) unindex(this.aliases.table, this.mask, this.aliases.hashes, i);
    this.lens[i] = -1;
    if (this.strings !== undefined) {
      this.strings.keys[i] = '';
      this.strings.fingerprints[i] = '';
    }
    this.size--;
  }

  /** The oldest live entry, or -1; the gone ones before it are passed for good. */
  oldest(): number {
    while (this.head < this.tail && this.lens[this.head] < 0) this.head++;
    return this.head < this.tail ? this.head : -1;
  }

  /** Live entries to the front of arrays 1.5 times their number (at least), then the index rebuilt. */
  private compact(): void {
    const capacity = Math.max(MIN_CAPACITY, this.size + (this.size >> 1) + 1);
    const same = capacity === this.hashes.length;
    const hashes = same ? this.hashes : new Int32Array(capacity);
    const pos = same ? this.pos : new Float64Array(capacity);
    const lens = same ? this.lens : new Int32Array(capacity);
    const ats = same ? this.ats : new Float64Array(capacity);
    const from = this.strings;
    const to = from === undefined || same ? from : strings(capacity);
    const a = this.aliases;
    const aliasHashes = a === undefined || same ? a?.hashes : new Int32Array(capacity);
    let n = 0;
    for (let i = this.head; i < this.tail; i++) {
      if (this.lens[i] < 0) continue;
      hashes[n] = this.hashes[i];
      pos[n] = this.pos[i];
      lens[n] = this.lens[i];
      ats[n] = this.ats[i];
      if (a !== undefined && aliasHashes !== undefined) aliasHashes[n] = a.hashes[i];
      if (from !== undefined && to !== undefined) {
        to.keys[n] = from.keys[i];
        to.fingerprints[n] = from.fingerprints[i];
      }
      n++;
    }
    if (to !== undefined) {
      // what moved to the front is still referenced from where it was
      to.keys.fill('', n);
      to.fingerprints.fill('', n);
    }
    this.hashes = hashes;
    this.pos = pos;
    this.lens = lens;
    this.ats = ats;
    this.strings = to;
    this.head = 0;
    this.tail = n;
    // at most half full even once every slot of the arrays is live
    let slots = this.table.length;
    while (slots < 2 * capacity) slots *= 2;
    this.table = reindex(this.table, slots, hashes, n);
    this.mask = slots - 1;
    if (a !== undefined && aliasHashes !== undefined) {
      a.hashes = aliasHashes;
      a.table = reindex(a.table, slots, aliasHashes, n);
    }
  }
}

/** The aliases' hashes and index, beside the data_ids'. */
interface Aliases {
  hashes: Int32Array<ArrayBuffer>;
  table: Int32Array<ArrayBuffer>;
}

/** The entry of an index by `hashes` whose hash is `h` and which `test` says is `key`'s, or -1. */
function lookup(table: Int32Array, mask: number, hashes: Int32Array, h: number, key: string, test: (i: number, key: string) => boolean): number {
  let p = h & mask;
  for (let e = table[p]; e !== 0; e = table[p]) {
    const i = e - 1;
    if (hashes[i] === h && test(i, key)) return i;
    p = (p + 1) & mask;
  }
  return -1;
}

/** Takes entry `i` out of an index by `hashes`. */
function unindex(table: Int32Array, mask: number, hashes: Int32Array, i: number): void {
  let slot = hashes[i] & mask;
  while (table[slot] !== i + 1) slot = (slot + 1) & mask;
  clearSlot(table, mask, hashes, slot);
}

/** An index of `slots` slots (`table` itself when that is its size) holding entries [0, n) by `hashes`. */
function reindex(table: Int32Array<ArrayBuffer>, slots: number, hashes: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const out = slots === table.length ? table.fill(0) : new Int32Array(slots);
  const mask = slots - 1;
  for (let i = 0; i < n; i++) out[emptySlot(out, mask, hashes[i])] = i + 1;
  return out;
}

const MIN_CAPACITY = 16;
