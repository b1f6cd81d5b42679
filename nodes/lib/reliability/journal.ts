import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { acquireLock, JournalLockedError, releaseLock } from './journal-lock';
import type { DeferredWriter, TurnWrites } from './turn-writes';

export { JournalLockedError };

/**
 * CRC-32 (IEEE 802.3, zlib's) of `bytes[start, end)`, continuing from `crc` so that a header and
 * a payload read apart need not be copied together. Checked on every append and every read.
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  return zlib.crc32(bytes.subarray(start, end), crc);
}

/**
 * A durable, bounded, append-only FIFO log: the inbox (MQTT messages written down before they
 * are acknowledged to the broker) and the outbox (notifications waiting for the WIS2 broker's
 * PUBACK) are both one of these.
 *
 * On disk, a directory of segment files `00000001.log`, `00000002.log`… and at times a file
 * `hwm`. A segment is a run of records, each
 *
 *     crc32 u32le | length u32le | type u8 | seq u64le (two u32le, low first) | payload[length]
 *
 * where the CRC covers everything after itself. Types: 3 opens every segment (seq = the next
 * sequence number at the time, payload `wis2-journal/1`), 1 is an entry (its payload is the
 * caller's bytes), 2 acknowledges the entry `seq` (empty payload). An acknowledgement can sit
 * in a later segment than its entry, so segments are only ever deleted from the oldest, once
 * every entry in them is acknowledged. When an old segment is held back by a few entries that
 * stay unacknowledged while the rest of the log moves on, those entries are copied (same seq,
 * same bytes) into the newest segment so the old one can go: the disk stays bounded too.
 *
 * `hwm` holds the last sequence number issued, in decimal, written (temp file, then rename)
 * whenever the journal removes its last segment, so numbers never go backwards. (A number
 * whose every trace was in bytes recovery had to skip, a torn or corrupt tail, can be given
 * again: nothing on disk refers to it any more.)
 *
 * Recovery reads every segment in order. A record that runs past the end of its file was torn
 * by a kill mid-write; a record whose CRC fails is corrupt. Either way the rest of that segment
 * is skipped and the reason is put in `recoveryWarnings`. Writing always starts in a new
 * segment after `open`, so nothing valid ever follows a torn record.
 *
 * In memory, per unacknowledged entry: its location (segment id, offset, length) in a Map and
 * its sequence number in an ordered array, about 100 bytes; the payload only while its record
 * waits for the end of the turn (with a `turn`, see TurnWrites).
 */
export interface JournalOptions {
  /** created if missing; one journal per directory */
  dir: string;
  /** on-disk bytes (records included) of unacknowledged entries; default 256 MiB */
  maxBytes?: number;
  /** unacknowledged entries; default 100 000 */
  maxEntries?: number;
  /** a segment file is closed and a new one started past this size; default 8 MiB */
  segmentBytes?: number;
  /**
   * 'none' (default): write(2) only, which a killed process survives (the page cache is the
   * kernel's); 'always': fdatasync after every write (each append and ack, or each turn's
   * appends with a `turn`), which power loss survives.
   */
  sync?: 'none' | 'always';
  /**
   * With a turn, `append` writes at the end of the turn (or before the next acknowledgement),
   * together with every other append of the turn: see TurnWrites for why that is safe.
   * Without one, `append` writes before it returns.
   */
  turn?: TurnWrites;
  /** where this journal's files come in a flush of the turn (RANK) */
  rank?: number;
  /** a deferred write failed: its records stay in memory and are tried again at the next flush */
  onDeferredError?: (err: Error) => void;
}

/** Bytes a record takes on disk beyond its payload. */
export const RECORD_OVERHEAD = 17;

export class JournalFullError extends Error {
  readonly code = 'EJOURNALFULL';

  constructor(
    message: string,
    readonly pending: number,
    readonly pendingBytes: number,
  ) {
    super(message);
    this.name = 'JournalFullError';
  }
}

/** A record that passed its CRC at recovery no longer does (the disk changed under us). */
export class JournalCorruptError extends Error {
  readonly code = 'EJOURNALCORRUPT';

  constructor(message: string) {
    super(message);
    this.name = 'JournalCorruptError';
  }
}

const TYPE_ENTRY = 1;
const TYPE_ACK = 2;
const TYPE_SEGMENT = 3;
const SEGMENT_MAGIC = Buffer.from('wis2-journal/1', 'ascii');
const SEGMENT_HEADER_BYTES = RECORD_OVERHEAD + SEGMENT_MAGIC.length;
const SEGMENT_NAME = /^(\d{8,})\.log$/;
const HWM = 'hwm';
const HWM_TMP = 'hwm.tmp';
const MAX_PAYLOAD = 0xffffffff;
const TWO_32 = 0x100000000;
/** recovery reads segments through a buffer this big, so a huge segment never sits in memory */
const SCAN_CHUNK = 1 << 20;
/** old segments kept open for `read`; the outbox reads close behind the writer, so few suffice */
const READ_FDS = 8;

interface Segment {
  id: number;
  /** bytes in the file */
  size: number;
  /** unacknowledged entries whose current copy is here */
  live: number;
  /** a record here failed its CRC when copied forward: leave the segment as it is */
  pinned: boolean;
}

/** Where an unacknowledged entry's record is. Mutable: copying it forward moves it. */
interface Location {
  /** UNWRITTEN while the entry waits for the end of the turn */
  seg: number;
  off: number;
  len: number;
}

/** Segment ids start at 1. */
const UNWRITTEN = 0;

interface Deferred {
  seq: number;
  record: Buffer;
  loc: Location;
}

function segmentName(id: number): string {
  return `${String(id).padStart(8, '0')}.log`;
}

/** Everything of a record but its CRC and payload, at `at`. */
function writeRecordHeader(buf: Buffer, at: number, type: number, seq: number, length: number): void {
  buf.writeUInt32LE(length, at + 4);
  buf[at + 8] = type;
  buf.writeUInt32LE(seq % TWO_32, at + 9);
  buf.writeUInt32LE(Math.floor(seq / TWO_32), at + 13);
}

function encode(type: number, seq: number, payload: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(RECORD_OVERHEAD + payload.length);
  writeRecordHeader(buf, 0, type, seq, payload.length);
  buf.set(payload, RECORD_OVERHEAD);
  buf.writeUInt32LE(crc32(buf, 4), 0);
  return buf;
}

/** Bytes of the header length that starts a framed entry (see `appendFramed`). */
export const FRAME_PREFIX = 4;

function readSeq(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO_32;
}

export function writeFully(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
}

/** At most this many buffers go to one writev(2) (IOV_MAX is 1024 on Linux). */
const WRITEV_MAX = 1024;

/**
 * Writes `bufs` one after the other from `position`, without copying them into one buffer
 * first: one writev(2) for up to 1,024 of them.
 */
export function writevFully(fd: number, bufs: readonly Buffer[], position: number): void {
  let at = position;
  for (let i = 0; i < bufs.length; i += WRITEV_MAX) {
    const group = bufs.slice(i, i + WRITEV_MAX);
    const bytes = group.reduce((sum, b) => sum + b.length, 0);
    const n = fs.writevSync(fd, group, at);
    // a short write (rare on a regular file) goes on with the rest, copied together
    if (n < bytes) writeFully(fd, Buffer.concat(group).subarray(n), at + n);
    at += bytes;
  }
}

/** Reads up to `buf.length` bytes; returns fewer only at the end of the file. */
export function readFully(fd: number, buf: Buffer, position: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Makes a rename or a new file's name survive power loss; some platforms cannot open a directory. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open a directory to fsync it; there is nothing more to do there
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`journal: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * Reads the records of one segment file in order, at recovery, through a scratch buffer so a
 * huge segment never sits in memory. The current record is in the public fields; `stopped`
 * says why the scan ended before the end of the file (a torn or corrupt record).
 */
class SegmentScan {
  off = 0;
  type = 0;
  seq = 0;
  len = 0;
  stopped: string | undefined;
  private end = 0;
  private storedCrc = 0;
  /** where the current record starts in `scratch` */
  private at = 0;
  /** scratch holds file bytes [bufStart, bufStart + bufLen) */
  private bufStart = 0;
  private bufLen = 0;

  constructor(
    private readonly name: string,
    private readonly fd: number,
    readonly size: number,
    private readonly scratch: Buffer,
  ) {}

  /** Moves to the next record: false at the end of the file, or with `stopped` set. */
  next(): boolean {
    this.off = this.end;
    if (this.off >= this.size || !this.readHeader()) return false;
    const crc = this.checksum();
    const { off, type, len, at } = this;
    const first = off === 0;
    const isHeader = type === TYPE_SEGMENT && len === SEGMENT_MAGIC.length && this.scratch.compare(SEGMENT_MAGIC, 0, len, at + RECORD_OVERHEAD, at + RECORD_OVERHEAD + len) === 0;
    if (crc !== this.storedCrc || first !== isHeader || (type !== TYPE_ENTRY && type !== TYPE_ACK && type !== TYPE_SEGMENT)) {
      const what = first && !isHeader && crc === this.storedCrc ? 'not a journal segment' : `corrupt record at offset ${off}`;
      this.stopped = `${this.name}: ${what}; the remaining ${this.size - off} bytes of this segment are skipped`;
      return false;
    }
    return true;
  }

  /** Reads the fixed part of the record at `off`: false when the file ends inside the record. */
  private readHeader(): boolean {
    const { off, size, scratch } = this;
    if (size - off < RECORD_OVERHEAD) {
      this.stopped = `${this.name}: torn record at offset ${off} (${size - off} bytes at the end), ignored`;
      return false;
    }
    const at = this.window(off, RECORD_OVERHEAD);
    this.storedCrc = scratch.readUInt32LE(at);
    this.len = scratch.readUInt32LE(at + 4);
    this.type = scratch[at + 8];
    this.seq = readSeq(scratch, at + 9);
    this.at = at;
    this.end = off + RECORD_OVERHEAD + this.len;
    if (this.end > size) {
      this.stopped = `${this.name}: torn record at offset ${off} (needs ${this.end - off} bytes, ${size - off} left), ignored`;
      return false;
    }
    return true;
  }

  /** The CRC of the current record; a record bigger than the scratch buffer is read in chunks. */
  private checksum(): number {
    const { off, len, end, scratch } = this;
    if (RECORD_OVERHEAD + len <= SCAN_CHUNK) {
      this.at = this.window(off, RECORD_OVERHEAD + len);
      return crc32(scratch, this.at + 4, this.at + RECORD_OVERHEAD + len);
    }
    let crc = crc32(scratch, this.at + 4, this.at + RECORD_OVERHEAD);
    for (let pos = off + RECORD_OVERHEAD; pos < end; ) {
      const n = fs.readSync(this.fd, scratch, 0, Math.min(SCAN_CHUNK, end - pos), pos);
      crc = crc32(scratch, 0, n, crc);
      pos += n;
    }
    this.bufLen = 0;
    return crc;
  }

  /** Makes file bytes [at, at + n) available in scratch; returns where they start in it. */
  private window(at: number, n: number): number {
    if (at < this.bufStart || at + n > this.bufStart + this.bufLen) {
      this.bufStart = at;
      this.bufLen = fs.readSync(this.fd, this.scratch, 0, Math.min(SCAN_CHUNK, this.size - at), at);
    }
    return at - this.bufStart;
  }
}

export class Journal implements DeferredWriter {
  /** what recovery skipped, and why (a torn last record after a kill is the usual one) */
  readonly recoveryWarnings: string[] = [];

  private readonly dir: string;
  private readonly lockKey: string;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly segmentBytes: number;
  private readonly syncAlways: boolean;
  private readonly turn: TurnWrites | undefined;
  readonly rank: number;
  private readonly onDeferredError: ((err: Error) => void) | undefined;
  /** appended, not yet written, in the order of their sequence numbers */
  private deferred: Deferred[] = [];

  private readonly segments: Segment[] = [];
  private readonly segById = new Map<number, Segment>();
  private readonly locations = new Map<number, Location>();
  /** ascending sequence numbers, acknowledged ones dropped lazily: `unacked` seeks in it */
  private order: number[] = [];
  private orderHead = 0;
  private bytesPending = 0;
  private nextSeq = 1;
  private nextSegId = 1;
  /** created on the first write after `open`, never reused across opens */
  private active: { seg: Segment; fd: number } | undefined;
  private readonly readFds = new Map<number, number>();
  private diskBytes = 0;
  private relocating = false;
  private closed = false;

  private constructor(dir: string, lockKey: string, options: JournalOptions) {
    this.dir = dir;
    this.lockKey = lockKey;
    this.maxBytes = positiveInteger(options.maxBytes, 256 * 1024 * 1024, 'maxBytes');
    this.maxEntries = positiveInteger(options.maxEntries, 100_000, 'maxEntries');
    this.segmentBytes = positiveInteger(options.segmentBytes, 8 * 1024 * 1024, 'segmentBytes');
    // widened: options may come from an untyped flow configuration
    const sync: string = options.sync ?? 'none';
    if (sync !== 'none' && sync !== 'always') throw new RangeError(`journal: sync must be 'none' or 'always', got ${sync}`);
    this.syncAlways = sync === 'always';
    this.turn = options.turn;
    this.rank = options.rank ?? 0;
    this.onDeferredError = options.onDeferredError;
  }

  static open(options: JournalOptions): Journal {
    const dir = path.resolve(options.dir);
    fs.mkdirSync(dir, { recursive: true });
    const key = fs.realpathSync(dir);
    acquireLock(key);
    try {
      const journal = new Journal(dir, key, options);
      journal.recover();
      return journal;
    } catch (error) {
      releaseLock(key);
      throw error;
    }
  }

  /**
   * Writes `entry` down (at the end of the turn when the journal has one) and returns its
   * sequence number, greater than every one before it.
   */
  append(entry: Uint8Array): number {
    this.checkOpen();
    if (!(entry instanceof Uint8Array)) throw new TypeError('journal: append takes a Buffer');
    const seq = this.reserve(entry.length);
    this.commit(seq, encode(TYPE_ENTRY, seq, entry), entry.length);
    return seq;
  }

  /**
   * Like `append`, for an entry framed `[header length u32be][header][payload]` (how the inbox
   * and the outbox keep a message): the record is built in one buffer, so the entry is never
   * assembled apart and copied again. Returns its sequence number and a view of the payload as
   * written, which the journal never reuses.
   */
  appendFramed(header: Uint8Array, payload: Uint8Array): { seq: number; payload: Buffer } {
    this.checkOpen();
    if (!(header instanceof Uint8Array) || !(payload instanceof Uint8Array)) throw new TypeError('journal: append takes a Buffer');
    const length = FRAME_PREFIX + header.length + payload.length;
    const seq = this.reserve(length);
    const buf = Buffer.allocUnsafe(RECORD_OVERHEAD + length);
    writeRecordHeader(buf, 0, TYPE_ENTRY, seq, length);
    buf.writeUInt32BE(header.length, RECORD_OVERHEAD);
    buf.set(header, RECORD_OVERHEAD + FRAME_PREFIX);
    const at = RECORD_OVERHEAD + FRAME_PREFIX + header.length;
    buf.set(payload, at);
    buf.writeUInt32LE(crc32(buf, 4), 0);
    this.commit(seq, buf, length);
    return { seq, payload: buf.subarray(at) };
  }

  /** Checks there is room for an entry of `length` bytes and takes its sequence number. */
  private reserve(length: number): number {
    if (length > MAX_PAYLOAD) throw new RangeError(`journal: an entry is at most ${MAX_PAYLOAD} bytes`);
    const size = RECORD_OVERHEAD + length;
    if (this.locations.size + 1 > this.maxEntries) {
      throw new JournalFullError(`journal full: ${this.locations.size} entries wait (maxEntries ${this.maxEntries})`, this.locations.size, this.bytesPending);
    }
    if (this.bytesPending + size > this.maxBytes) {
      throw new JournalFullError(
        `journal full: ${this.bytesPending} bytes wait and ${size} more would pass maxBytes ${this.maxBytes}`,
        this.locations.size,
        this.bytesPending,
      );
    }
    // taken before the write: a failed write leaves a gap, never a number given out twice
    return this.nextSeq++;
  }

  private commit(seq: number, record: Buffer, length: number): void {
    if (this.turn !== undefined) {
      const loc: Location = { seg: UNWRITTEN, off: 0, len: length };
      this.locations.set(seq, loc);
      this.order.push(seq);
      this.bytesPending += record.length;
      this.deferred.push({ seq, record, loc });
      this.turn.defer(this);
      return;
    }
    const { seg, off } = this.writeRecord(record, true);
    this.locations.set(seq, { seg: seg.id, off, len: length });
    this.order.push(seq);
    seg.live++;
    this.bytesPending += record.length;
    this.tidy();
  }

  /** Marks `seq` done, durably; acknowledging twice, or a number never given, does nothing. */
  ack(seq: number): void {
    this.ackMany([seq]);
  }

  /**
   * Marks each of `seqs` done with one write(2) for them all: what a busy caller gathers over
   * a moment costs one system call, not one each. Durable when it returns, like `ack`.
   */
  ackMany(seqs: Iterable<number>): void {
    this.checkOpen();
    // an acknowledgement must follow on disk whatever was written before it, here or elsewhere
    const flushed = this.turn?.flush() ?? true;
    // a Map keeps each number once, in the order given
    const done = new Map<number, Location>();
    let unwritten = 0;
    for (const seq of seqs) {
      const loc = this.locations.get(seq);
      if (loc === undefined) continue;
      done.set(seq, loc);
      if (loc.seg === UNWRITTEN) unwritten++;
    }
    if (done.size === 0) return;
    if (!flushed && unwritten < done.size) throw new Error('journal: earlier writes are not on disk, so no acknowledgement is written');
    if (unwritten > 0) {
      // entries a failed flush left in memory: done before they reached the disk, they need neither
      this.deferred = this.deferred.filter((d) => !done.has(d.seq));
      for (const [seq, loc] of done) {
        if (loc.seg !== UNWRITTEN) continue;
        this.forget(seq, loc);
        done.delete(seq);
      }
      if (done.size === 0) return;
    }
    const records = Buffer.allocUnsafe(done.size * RECORD_OVERHEAD);
    let at = 0;
    for (const seq of done.keys()) {
      writeRecordHeader(records, at, TYPE_ACK, seq, 0);
      records.writeUInt32LE(crc32(records, at + 4, at + RECORD_OVERHEAD), at);
      at += RECORD_OVERHEAD;
    }
    this.writeRecord(records, true);
    for (const [seq, loc] of done) this.forget(seq, loc);
    this.tidy();
  }

  pending(): number {
    return this.locations.size;
  }

  pendingBytes(): number {
    return this.bytesPending;
  }

  /** The bytes appended as `seq`, read back from disk; throws unless `seq` is unacknowledged. */
  read(seq: number): Buffer {
    this.checkOpen();
    const loc = this.locations.get(seq);
    if (loc === undefined) throw new RangeError(`journal: ${seq} is not waiting (acknowledged, or never appended)`);
    if (loc.seg === UNWRITTEN) {
      const d = this.deferred.find((x) => x.seq === seq);
      if (d !== undefined) return d.record.subarray(RECORD_OVERHEAD);
    }
    return this.readRecord(seq, loc).subarray(RECORD_OVERHEAD);
  }

  /** Unacknowledged sequence numbers from `fromSeq` on, ascending, at most `limit` of them. */
  unacked(fromSeq = 0, limit = Number.POSITIVE_INFINITY): number[] {
    this.checkOpen();
    const out: number[] = [];
    if (!(limit > 0)) return out;
    const order = this.order;
    let lo = this.orderHead;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid] < fromSeq) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < order.length && out.length < limit; i++) {
      const seq = order[i];
      if (this.locations.has(seq)) out.push(seq);
    }
    return out;
  }

  /**
   * Writes the appends deferred to the end of the turn: one write for each segment they land
   * in. On a failed write the rest stay in memory, are reported and tried again at the next
   * flush; false then.
   */
  writeDeferred(): boolean {
    const batch = this.deferred;
    if (batch.length === 0 || this.closed) return true;
    let i = 0;
    try {
      while (i < batch.length) {
        const { seg, fd } = this.activeFor(batch[i].record.length);
        let bytes = batch[i].record.length;
        let j = i + 1;
        while (j < batch.length && seg.size + bytes + batch[j].record.length <= this.segmentBytes) bytes += batch[j++].record.length;
        const off = seg.size;
        this.writeRun(fd, batch.slice(i, j).map((d) => d.record), off);
        let at = off;
        for (let k = i; k < j; k++) {
          const d = batch[k];
          d.loc.seg = seg.id;
          d.loc.off = at;
          seg.live++;
          at += d.record.length;
        }
        seg.size += bytes;
        this.diskBytes += bytes;
        i = j;
      }
    } catch (error) {
      this.deferred = batch.slice(i);
      this.onDeferredError?.(error as Error);
      return false;
    }
    this.deferred = [];
    this.tidy();
    return true;
  }

  /** Closes the files; a journal with nothing waiting leaves only its `hwm` behind. */
  close(): void {
    if (this.closed) return;
    // what waits for the end of the turn is written now, after what it depends on in other
    // files; what cannot be was reported
    if (this.turn !== undefined) this.turn.flush();
    this.closed = true;
    try {
      if (this.locations.size === 0 && this.segments.length > 0) this.deleteLeading(this.segments.length, true);
    } finally {
      if (this.active !== undefined) fs.closeSync(this.active.fd);
      this.active = undefined;
      for (const fd of this.readFds.values()) fs.closeSync(fd);
      this.readFds.clear();
      releaseLock(this.lockKey);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('journal: closed');
  }

  private forget(seq: number, loc: Location): void {
    const seg = this.segById.get(loc.seg);
    const size = RECORD_OVERHEAD + loc.len;
    if (seg !== undefined) seg.live--;
    this.bytesPending -= size;
    this.locations.delete(seq);
    const order = this.order;
    while (this.orderHead < order.length && !this.locations.has(order[this.orderHead])) this.orderHead++;
    // acks out of order leave holes; rebuilding once they are twice the live keeps it O(1) amortised
    const dead = order.length - this.locations.size;
    if (dead > 4096 && dead > 2 * this.locations.size) {
      this.order = order.slice(this.orderHead).filter((s) => this.locations.has(s));
      this.orderHead = 0;
    }
  }

  /** Appends encoded records (one, or a run of acknowledgements) to the active segment (started if needed); returns where. */
  private writeRecord(record: Buffer, sync: boolean): { seg: Segment; off: number } {
    const active = this.activeFor(record.length);
    const { seg, fd } = active;
    const off = seg.size;
    this.writeRun(fd, record, off, sync);
    seg.size += record.length;
    this.diskBytes += record.length;
    return { seg, off };
  }

  /** Writes records at `off` of the active segment; a failed write leaves the segment as it was, and retired. */
  private writeRun(fd: number, records: Buffer | Buffer[], off: number, sync = true): void {
    try {
      if (Array.isArray(records)) writevFully(fd, records, off);
      else writeFully(fd, records, off);
      if (sync && this.syncAlways) fs.fdatasyncSync(fd);
    } catch (error) {
      // a partial record must never be followed by good ones (recovery stops at it): cut it off
      // and write the next record in a fresh segment
      try {
        fs.ftruncateSync(fd, off);
      } catch {
        // the fresh segment below is what keeps later records readable
      }
      this.retireActive();
      throw error;
    }
  }

  private activeFor(recordBytes: number): { seg: Segment; fd: number } {
    const active = this.active;
    // a record bigger than a whole segment still goes in, alone in a fresh one
    if (active !== undefined && (active.seg.size + recordBytes <= this.segmentBytes || active.seg.size <= SEGMENT_HEADER_BYTES)) return active;
    this.retireActive();
    const id = this.nextSegId++;
    const file = path.join(this.dir, segmentName(id));
    const fd = fs.openSync(file, 'wx+');
    const header = encode(TYPE_SEGMENT, this.nextSeq, SEGMENT_MAGIC);
    try {
      writeFully(fd, header, 0);
      if (this.syncAlways) {
        fs.fdatasyncSync(fd);
        fsyncDirectory(this.dir);
      }
    } catch (error) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw error;
    }
    const seg: Segment = { id, size: header.length, live: 0, pinned: false };
    this.segments.push(seg);
    this.segById.set(id, seg);
    this.diskBytes += header.length;
    this.active = { seg, fd };
    return this.active;
  }

  private retireActive(): void {
    const active = this.active;
    if (active === undefined) return;
    this.active = undefined;
    this.cacheReadFd(active.seg.id, active.fd);
  }

  private cacheReadFd(id: number, fd: number): void {
    this.readFds.set(id, fd);
    if (this.readFds.size > READ_FDS) {
      const [oldest, oldFd] = this.readFds.entries().next().value as [number, number];
      this.readFds.delete(oldest);
      fs.closeSync(oldFd);
    }
  }

  private fdFor(id: number): number {
    if (this.active !== undefined && this.active.seg.id === id) return this.active.fd;
    const cached = this.readFds.get(id);
    if (cached !== undefined) {
      // most recently used goes last, so the oldest is what gets closed
      this.readFds.delete(id);
      this.readFds.set(id, cached);
      return cached;
    }
    const fd = fs.openSync(path.join(this.dir, segmentName(id)), 'r');
    this.cacheReadFd(id, fd);
    return fd;
  }

  private readRecord(seq: number, loc: Location): Buffer {
    const buf = Buffer.allocUnsafe(RECORD_OVERHEAD + loc.len);
    const got = readFully(this.fdFor(loc.seg), buf, loc.off);
    if (
      got !== buf.length ||
      buf.readUInt32LE(4) !== loc.len ||
      buf[8] !== TYPE_ENTRY ||
      readSeq(buf, 9) !== seq ||
      buf.readUInt32LE(0) !== crc32(buf, 4)
    ) {
      throw new JournalCorruptError(`journal: entry ${seq} in ${segmentName(loc.seg)} at offset ${loc.off} no longer reads back intact`);
    }
    return buf;
  }

  /** Deletes what acknowledgements freed, and copies stragglers forward when they hold the disk. */
  private tidy(): void {
    this.deleteAcknowledged();
    if (this.relocating) return;
    this.relocating = true;
    try {
      // each round removes the oldest segment, so this ends
      while (this.shouldRelocate()) {
        if (!this.relocateOldest()) break;
        this.deleteAcknowledged();
      }
    } finally {
      this.relocating = false;
    }
  }

  private deleteAcknowledged(): void {
    let n = 0;
    for (const seg of this.segments) {
      if (seg.live !== 0 || (this.active !== undefined && this.active.seg === seg)) break;
      n++;
    }
    if (n > 0) this.deleteLeading(n, false);
  }

  /**
   * Removes the `n` oldest segments. When that empties the directory the last issued number
   * goes to `hwm` first. Stops at the first file that will not go: deleting a later one would
   * drop acknowledgements of entries still in the earlier one.
   */
  private deleteLeading(n: number, closing: boolean): void {
    if (n === this.segments.length) this.writeHwm();
    for (let i = 0; i < n; i++) {
      const seg = this.segments[0];
      if (this.active !== undefined && this.active.seg === seg) {
        if (!closing) break;
        fs.closeSync(this.active.fd);
        this.active = undefined;
      }
      const fd = this.readFds.get(seg.id);
      if (fd !== undefined) {
        this.readFds.delete(seg.id);
        fs.closeSync(fd);
      }
      try {
        fs.unlinkSync(path.join(this.dir, segmentName(seg.id)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') break;
      }
      this.segments.shift();
      this.segById.delete(seg.id);
      this.diskBytes -= seg.size;
    }
  }

  private writeHwm(): void {
    const tmp = path.join(this.dir, HWM_TMP);
    const fd = fs.openSync(tmp, 'w');
    try {
      writeFully(fd, Buffer.from(`${this.nextSeq - 1}\n`, 'ascii'), 0);
      if (this.syncAlways) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(this.dir, HWM));
    if (this.syncAlways) fsyncDirectory(this.dir);
  }

  /**
   * True when bytes nobody waits for (acknowledged entries held behind an unacknowledged one,
   * and acks) pass twice what waits plus a few segments: then the oldest segment's stragglers
   * are worth copying so it and the acknowledged ones after it can be deleted.
   */
  private shouldRelocate(): boolean {
    const oldest = this.segments.at(0);
    if (oldest === undefined || oldest.pinned || oldest.live === 0) return false;
    if (this.active === undefined || this.active.seg === oldest) return false;
    return this.diskBytes > 2 * this.bytesPending + 4 * this.segmentBytes;
  }

  /** Copies the oldest segment's unacknowledged entries to the newest; true once none is left there. */
  private relocateOldest(): boolean {
    const oldest = this.segments[0];
    let remaining = oldest.live;
    for (let i = this.orderHead; i < this.order.length && remaining > 0; i++) {
      const seq = this.order[i];
      const loc = this.locations.get(seq);
      if (loc === undefined || loc.seg !== oldest.id) continue;
      let record: Buffer;
      try {
        record = this.readRecord(seq, loc);
      } catch (error) {
        if (!(error instanceof JournalCorruptError)) throw error;
        oldest.pinned = true;
        return false;
      }
      const { seg, off } = this.writeRecord(record, false);
      oldest.live--;
      seg.live++;
      loc.seg = seg.id;
      loc.off = off;
      remaining--;
    }
    // the copies must be on disk before the originals go
    if (this.syncAlways && this.active !== undefined) fs.fdatasyncSync(this.active.fd);
    // false if the count and the locations disagree: better a bigger disk than a spinning loop
    return remaining === 0;
  }

  private recover(): void {
    const ids: number[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const m = SEGMENT_NAME.exec(name);
      if (m !== null) ids.push(Number(m[1]));
    }
    ids.sort((a, b) => a - b);
    fs.rmSync(path.join(this.dir, HWM_TMP), { force: true });
    let maxSeq = this.readHwm();
    const scratch = Buffer.allocUnsafe(SCAN_CHUNK);
    for (const id of ids) {
      const seg: Segment = { id, size: 0, live: 0, pinned: false };
      this.segments.push(seg);
      this.segById.set(id, seg);
      maxSeq = Math.max(maxSeq, this.scanSegment(seg, scratch));
      this.diskBytes += seg.size;
      this.nextSegId = id + 1;
    }
    this.nextSeq = maxSeq + 1;
    this.order = [...this.locations.keys()].sort((a, b) => a - b);
    this.deleteAcknowledged();
  }

  private readHwm(): number {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir, HWM), 'ascii');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    const value = Number(text.trim());
    if (!Number.isSafeInteger(value) || value < 0) {
      this.recoveryWarnings.push(`${HWM}: not a sequence number (${JSON.stringify(text.slice(0, 40))}), ignored`);
      return 0;
    }
    return value;
  }

  /** Replays one segment into the unacknowledged set; returns the highest sequence number seen. */
  private scanSegment(seg: Segment, scratch: Buffer): number {
    const name = segmentName(seg.id);
    const fd = fs.openSync(path.join(this.dir, name), 'r');
    let maxSeq = 0;
    try {
      const scan = new SegmentScan(name, fd, fs.fstatSync(fd).size, scratch);
      seg.size = scan.size;
      while (scan.next()) maxSeq = Math.max(maxSeq, this.replay(seg, scan));
      if (scan.stopped !== undefined) this.recoveryWarnings.push(scan.stopped);
    } finally {
      fs.closeSync(fd);
    }
    return maxSeq;
  }

  /** Applies one recovered record; returns the highest sequence number it shows was issued. */
  private replay(seg: Segment, record: SegmentScan): number {
    const { type, seq } = record;
    if (type === TYPE_SEGMENT) return seq - 1;
    if (type === TYPE_ENTRY) {
      const before = this.locations.get(seq);
      if (before !== undefined) {
        // a copy made to free an older segment: the later one is current
        const old = this.segById.get(before.seg);
        if (old !== undefined) old.live--;
        this.bytesPending -= RECORD_OVERHEAD + before.len;
      }
      this.locations.set(seq, { seg: seg.id, off: record.off, len: record.len });
      seg.live++;
      this.bytesPending += RECORD_OVERHEAD + record.len;
    } else {
      const loc = this.locations.get(seq);
      if (loc !== undefined) {
        const owner = this.segById.get(loc.seg);
        if (owner !== undefined) owner.live--;
        this.bytesPending -= RECORD_OVERHEAD + loc.len;
        this.locations.delete(seq);
      }
    }
    return seq;
  }
}
