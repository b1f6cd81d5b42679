import fs from 'node:fs';
import path from 'node:path';
import { isRecord, jsonQuote } from '../core/json';
import { isoTimestamp } from '../core/time';
import { parsed, readLines } from './json-lines';
import type { Outbox, OutboxRecord } from './outbox';

/**
 * What a broker acknowledged, kept so that a time window can be published again (a Global
 * Broker that missed it, a cache that lost it). One file per UTC day, `YYYY-MM-DD.jsonl`, one
 * JSON line per notification, its members in this order:
 * - `{"at","topic","message"}` for a payload its producer vouches is JSON text and that holds no
 *   line break: `message` is that text as it is, so the payload's exact text is the line's end,
 *   from after `"message":` to before the closing brace;
 * - `{"at","topic","payload"}` for any other, with the payload's exact text as a JSON string
 *   (the only form of the files written before the first).
 * Escaping a notification's text into a string was the costliest step of keeping it. Files older
 * than `maxDays` are deleted when a new day starts.
 *
 * `deferred`: lines wait in memory for `flush` (or 1 MiB of them, a new day, `close`), so that
 * an owner acknowledging many records in one turn of the event loop writes them in one call;
 * otherwise each `append` writes its line. A `message` line is laid out as bytes: its head, the
 * payload's own bytes (held until the line is written) and the closing brace, so the text of a
 * notification is neither decoded nor encoded again on its way to the file.
 */
export interface PublishedRecord {
  at: Date;
  topic: string;
  payload: string;
}

const LF = 0x0a;
const CR = 0x0d;
/** the end of a `message` line */
const LINE_END = Buffer.from('}\n');

/**
 * How a line starts, up to its payload's value: the writer lays lines out so, and the reader
 * finds a `message`'s exact text after it. `at` is an ISO date, which needs no escaping.
 */
function lineHead(at: string, topic: string, member: 'message' | 'payload'): string {
  return `{"at":"${at}","topic":${jsonQuote(topic)},"${member}":`;
}

export class PublishedLog {
  private day = '';
  private fd = -1;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** the millisecond whose day was checked last: the records of a turn mostly share it */
  private checkedMs = Number.NaN;

  constructor(
    private readonly dir: string,
    private readonly maxDays = 30,
    private readonly now: () => Date = () => new Date(),
    private readonly deferred = false,
  ) {}

  /** `json`: the payload is JSON text, checked by whoever made it (only then can it be a line's `message`). */
  append(topic: string, payload: Buffer, json = false): void {
    const now = this.now();
    const ms = now.getTime();
    // isoTimestamp keeps the stamp of the last millisecond itself
    const iso = isoTimestamp(ms);
    if (ms !== this.checkedMs) {
      const day = iso.slice(0, 10);
      if (day !== this.day) this.rotate(day);
      // kept once the file is open: a failed rotation is tried again by the next record
      this.checkedMs = ms;
    }
    // built without an object; JSON text holds a line break only as whitespace, which the line
    // cannot; an untyped caller's topic that is no string goes the long way
    if (typeof topic === 'string' && json && payload.indexOf(LF) < 0 && payload.indexOf(CR) < 0) {
      this.add(Buffer.from(lineHead(iso, topic, 'message'), 'utf8'), payload);
      return;
    }
    const text = payload.toString('utf8');
    const line = typeof topic === 'string' ? `${lineHead(iso, topic, 'payload')}${JSON.stringify(text)}}` : JSON.stringify({ at: iso, topic, payload: text });
    this.add(Buffer.from(`${line}\n`, 'utf8'));
  }

  /** Writes the lines held back, in one call. */
  flush(): void {
    if (this.pending.length === 0) return;
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    writeAll(this.fd, bytes);
  }

  close(): void {
    try {
      if (this.fd >= 0) this.flush();
    } finally {
      if (this.fd >= 0) fs.closeSync(this.fd);
      this.fd = -1;
      this.day = '';
      this.checkedMs = Number.NaN;
      this.pending = [];
      this.pendingBytes = 0;
    }
  }

  /** A line (`line`), or a `message` line from its head and payload: written at once, or held for `flush`. */
  private add(line: Buffer, payload?: Buffer): void {
    if (!this.deferred) {
      writeAll(this.fd, payload === undefined ? line : Buffer.concat([line, payload, LINE_END]));
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (payload !== undefined) {
      this.pending.push(payload, LINE_END);
      this.pendingBytes += payload.length + LINE_END.length;
    }
    if (this.pendingBytes >= 1 << 20) this.flush();
  }

  private rotate(day: string): void {
    this.close();
    fs.mkdirSync(this.dir, { recursive: true });
    this.fd = fs.openSync(path.join(this.dir, `${day}.jsonl`), 'a+');
    this.day = day;
    endTornLine(this.fd);
    const oldest = new Date(Date.parse(`${day}T00:00:00Z`) - this.maxDays * 86_400_000).toISOString().slice(0, 10);
    for (const name of fs.readdirSync(this.dir)) {
      if (/^\d{4}-\d{2}-\d{2}\.jsonl$/.test(name) && name.slice(0, 10) < oldest) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }
}

/** Appends all of `bytes` (the file is opened for appending: each write goes to its end). */
function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * A file whose last line a kill cut short goes on from a new line: appended to the torn line,
 * the next record would make a line that does not parse either, and be skipped with it.
 */
function endTornLine(fd: number): void {
  const { size } = fs.fstatSync(fd);
  if (size === 0) return;
  const last = Buffer.alloc(1);
  fs.readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== LF) fs.writeSync(fd, '\n');
}

/**
 * Logs into `log` what `outbox` sends on `origin/` topics, the notifications of WIS2. The lines
 * of a turn go out in one write, just before the acknowledgements of that turn: a kill in
 * between makes the records go out again, and be logged again, never be missing. The
 * notification is out by then, so a failed write goes to `failed` and puts only a later replay
 * of it at stake. `json` tells the records whose payload is JSON text checked by their producer.
 */
export function logSent(outbox: Outbox, log: PublishedLog, failed: (err: Error) => void, json: (record: OutboxRecord) => boolean = () => false): void {
  outbox.on('sent', (_seq: number, record: OutboxRecord) => {
    if (!record.topic.startsWith('origin/')) return;
    try {
      log.append(record.topic, record.payload, json(record));
    } catch (err) {
      failed(err as Error);
    }
  });
  outbox.on('flushing', () => {
    try {
      log.flush();
    } catch (err) {
      failed(err as Error);
    }
  });
}

/** The records of `[since, until)`, oldest first; lines that do not parse (a torn last line) are skipped. */
export async function* readPublished(dir: string, since: Date, until: Date = new Date(8.64e15)): AsyncGenerator<PublishedRecord> {
  const first = since.toISOString().slice(0, 10);
  const last = until.getTime() >= 8.64e15 ? '9999-12-31' : until.toISOString().slice(0, 10);
  const names = fs
    .readdirSync(dir)
    .filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n) && n.slice(0, 10) >= first && n.slice(0, 10) <= last)
    .sort();
  for (const name of names) {
    for await (const line of readLines(path.join(dir, name))) {
      const r = parsed(line);
      if (!isRecord(r)) continue;
      const { at, topic } = r;
      if (typeof at !== 'string' || typeof topic !== 'string') continue;
      const when = new Date(at);
      if (Number.isNaN(when.getTime()) || when < since || when >= until) continue;
      const payload = payloadOf(r, line, at, topic);
      if (payload !== undefined) yield { at: when, topic, payload };
    }
  }
}

/** A line's payload text: its `payload` string, or the text of its `message` cut from the line. */
function payloadOf(r: Record<string, unknown>, line: string, at: string, topic: string): string | undefined {
  if (typeof r.payload === 'string') return r.payload;
  if (!Object.hasOwn(r, 'message')) return undefined;
  const head = lineHead(at, topic, 'message');
  // a line laid out otherwise (not by PublishedLog) gives its message's compact JSON
  return line.startsWith(head) && line.endsWith('}') ? line.slice(head.length, -1) : JSON.stringify(r.message);
}

/** A notification published again: a new id (Global Brokers drop ids they have seen), a new pubtime. */
export function republished(payload: string, newId: string, now: Date): string | undefined {
  let wnm: unknown;
  try {
    wnm = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof wnm !== 'object' || wnm === null || Array.isArray(wnm)) return undefined;
  const w = wnm as Record<string, unknown>;
  const props = w.properties;
  if (typeof props !== 'object' || props === null) return undefined;
  return JSON.stringify({ ...w, id: newId, properties: { ...(props as Record<string, unknown>), pubtime: now.toISOString() } });
}
