import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { isCalendarDay, isClockTime, readFields, utcMs, type DateTimeFields } from '../core/time';

/**
 * The Argo GDAC index files (`ar_index_global_prof.txt`, `ar_index_global_meta.txt`,
 * `argo_bio-profile_index.txt`, …): `#` header lines, a CSV header row naming the columns, then
 * one line per file. Every index has `file` and `date_update`; the profile indexes add
 * `date,latitude,longitude,ocean,profiler_type,institution`, the trajectory index a bounding box.
 * `file` is relative to the `dac/` folder of the GDAC.
 *
 * Read as a stream, one line at a time: memory stays flat whatever the size (the global profile
 * index has millions of lines). A bad line is counted and reported with its number, never fatal.
 */
export interface IndexEntry {
  /** path below `dac/`, as the index writes it: `<dac>/<float>/profiles/R6903580_147.nc` */
  file: string;
  /** the profile's time, when the index has it */
  date?: Date;
  latitude?: number;
  longitude?: number;
  ocean?: string;
  profilerType?: number;
  institution?: string;
  dateUpdate: Date;
  /** line number in the index, 1-based, header lines included */
  line: number;
}

export interface BadLine {
  line: number;
  code: string;
  message: string;
  /** the line as read, cut at 200 characters */
  text: string;
}

export interface IndexWindow {
  /** files updated at or after this instant */
  since?: Date;
  /** files updated before this instant */
  until?: Date;
}

export interface IndexStats {
  lines: number;
  entries: number;
  inWindow: number;
  bad: number;
  /** first bad lines, up to `maxReported`; `bad` counts them all */
  badLines: BadLine[];
  /** `Date of update` from the header, when it has one */
  indexDate?: Date;
}

export interface ReadIndexOptions extends IndexWindow {
  /** bad lines kept with their text; beyond, they are only counted. Default 1000 */
  maxReported?: number;
  /** lines longer than this are bad (a lost newline, a binary file); default 4096 */
  maxLineLength?: number;
  signal?: AbortSignal;
}

const KNOWN_COLUMNS = new Set([
  'file', 'date', 'latitude', 'longitude', 'ocean', 'profiler_type', 'institution', 'date_update',
  'latitude_max', 'latitude_min', 'longitude_max', 'longitude_min', 'parameters', 'parameter_data_mode',
]);
const OCEANS = new Set(['A', 'I', 'P', 'S', 'N']);
// a DAC folder, then any of its own sub-folders; no scheme, host, backslash or dot segment
const FILE_PATH = /^[a-z][a-z0-9_-]*(?:\/[A-Za-z0-9_.-]+)+$/;
const FILL_VALUES = new Set([99999, -99999, 999.999, -999.999, 99.999, -99.999]);

const STAMP_FIELDS: Readonly<DateTimeFields> = [0, 4, 6, 8, 10, 12];

/**
 * `YYYYMMDDHHMISS` (UTC) to a Date; undefined when it is no real instant. Read digit by digit:
 * it runs twice per line of an index of millions.
 */
export function parseIndexStamp(text: string): Date | undefined {
  const fields = text.length === 14 ? readFields(text, STAMP_FIELDS) : undefined;
  if (!fields) return undefined;
  const [y, mo, d, h, mi, s] = fields;
  if (y < 1990 || s > 59 || !isClockTime(h, mi, s) || !isCalendarDay(y, mo, d)) return undefined;
  return new Date(utcMs(y, mo, d, h, mi, s));
}

class LineError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function coordinate(text: string, name: string, limit: number): number | undefined {
  if (text === '') return undefined;
  if (!/^[+-]?\d+(?:\.\d+)?$/.test(text)) throw new LineError('index.bad_coordinate', `${name} "${text}" is not a number`);
  const value = Number(text);
  if (FILL_VALUES.has(value)) return undefined;
  if (Math.abs(value) > limit) throw new LineError('index.bad_coordinate', `${name} ${text} is out of range`);
  return value;
}

/** Checks the `file` column: a path below `dac/`, never anything that leaves it. */
export function checkIndexPath(file: string): void {
  if (file === '') throw new LineError('index.empty_path', 'the file column is empty');
  if (/^[a-z][a-z0-9+.-]*:/i.test(file) || file.startsWith('//')) throw new LineError('index.foreign_host', `"${file}" names a host: the index lists files of this GDAC only`);
  if (file.startsWith('/')) throw new LineError('index.absolute_path', `"${file}" is an absolute path`);
  if (file.split(/[/\\]/).some((s) => s === '..' || s === '.')) throw new LineError('index.dot_segment', `"${file}" has a dot segment`);
  if (!FILE_PATH.test(file)) throw new LineError('index.bad_path', `"${file}" is not a GDAC file path`);
}

interface Columns {
  names: string[];
  at: Map<string, number>;
}

function readColumns(line: string): Columns {
  const names = line.split(',').map((s) => s.trim());
  const at = new Map<string, number>();
  for (const [i, n] of names.entries()) {
    if (!KNOWN_COLUMNS.has(n) || at.has(n)) throw new LineError('index.bad_header', `the header row "${line.slice(0, 200)}" has an unknown or repeated column "${n}"`);
    at.set(n, i);
  }
  if (!at.has('file') || !at.has('date_update')) throw new LineError('index.bad_header', 'the header row has no file or no date_update column');
  return { names, at };
}

function parseEntry(fields: string[], columns: Columns, line: number): IndexEntry {
  if (fields.length !== columns.names.length) {
    throw new LineError('index.column_count', `${fields.length} columns where the header has ${columns.names.length}`);
  }
  const get = (name: string): string | undefined => {
    const i = columns.at.get(name);
    return i === undefined ? undefined : fields[i];
  };
  const file = get('file') ?? '';
  checkIndexPath(file);
  const updateText = get('date_update') ?? '';
  const dateUpdate = parseIndexStamp(updateText);
  if (!dateUpdate) throw new LineError('index.bad_date_update', `date_update "${updateText}" is not a YYYYMMDDHHMISS time`);
  const entry: IndexEntry = { file, dateUpdate, line };
  const dateText = get('date');
  if (dateText !== undefined && dateText !== '') {
    const date = parseIndexStamp(dateText);
    if (!date) throw new LineError('index.bad_date', `date "${dateText}" is not a YYYYMMDDHHMISS time`);
    entry.date = date;
  }
  const lat = coordinate(get('latitude') ?? '', 'latitude', 90);
  const lon = coordinate(get('longitude') ?? '', 'longitude', 180);
  if ((lat === undefined) !== (lon === undefined)) throw new LineError('index.bad_coordinate', 'a latitude without a longitude, or the reverse');
  if (lat !== undefined && lon !== undefined) {
    entry.latitude = lat;
    entry.longitude = lon;
  }
  for (const name of ['latitude_max', 'latitude_min', 'longitude_max', 'longitude_min']) {
    coordinate(get(name) ?? '', name, name.startsWith('lat') ? 90 : 180);
  }
  const ocean = get('ocean');
  if (ocean !== undefined && ocean !== '') {
    if (!OCEANS.has(ocean)) throw new LineError('index.bad_ocean', `ocean "${ocean}" is none of A, I, P`);
    entry.ocean = ocean;
  }
  const profiler = get('profiler_type');
  if (profiler !== undefined && profiler !== '') {
    if (!/^\d{1,4}$/.test(profiler)) throw new LineError('index.bad_profiler_type', `profiler_type "${profiler}" is not a WMO instrument code`);
    entry.profilerType = Number(profiler);
  }
  const institution = get('institution');
  if (institution !== undefined && institution !== '') {
    if (!/^[A-Z0-9]{1,4}$/.test(institution)) throw new LineError('index.bad_institution', `institution "${institution}" is not an Argo institution code`);
    entry.institution = institution;
  }
  return entry;
}

function inWindow(d: Date, w: IndexWindow): boolean {
  const t = d.getTime();
  return (w.since === undefined || t >= w.since.getTime()) && (w.until === undefined || t < w.until.getTime());
}

/** An index as a byte stream: a local path or an http(s) URL; gunzipped when it is gzip. */
export async function openIndex(source: string, signal?: AbortSignal): Promise<Readable> {
  let raw: Readable;
  if (/^https?:\/\//i.test(source)) {
    raw = await new Promise<Readable>((resolve, reject) => {
      const get = source.toLowerCase().startsWith('https:') ? https.get : http.get;
      const req = get(source, signal ? { signal } : {}, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`${source}: HTTP ${String(res.statusCode)}`));
          return;
        }
        resolve(res);
      });
      req.on('error', reject);
    });
  } else {
    raw = fs.createReadStream(source, signal ? { signal } : {});
  }
  return sniffGzip(raw);
}

/** Gzip by its magic bytes, not by the name: servers and mirrors name files as they like. */
async function sniffGzip(raw: Readable): Promise<Readable> {
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  async function* all(): AsyncGenerator<Buffer> {
    if (first.done === true) return;
    yield first.value;
    for (let n = await it.next(); n.done !== true; n = await it.next()) yield n.value;
  }
  const bytes = Readable.from(all(), { objectMode: false });
  bytes.on('close', () => raw.destroy());
  const head = first.done === true ? undefined : first.value;
  if (head && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = zlib.createGunzip();
    bytes.on('error', (e) => gunzip.destroy(e));
    gunzip.on('close', () => bytes.destroy());
    return bytes.pipe(gunzip);
  }
  return bytes;
}

/**
 * The files of an index, those of the window only, in index order. `stats` fills as it goes
 * and is complete when the iteration ends.
 */
export async function* readIndex(source: string | Readable, stats: IndexStats, options: ReadIndexOptions = {}): AsyncGenerator<IndexEntry> {
  const maxReported = options.maxReported ?? 1000;
  const maxLineLength = options.maxLineLength ?? 4096;
  const input = typeof source === 'string' ? await openIndex(source, options.signal) : source;
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let columns: Columns | undefined;
  const bad = (line: number, code: string, message: string, text: string): void => {
    stats.bad++;
    if (stats.badLines.length < maxReported) stats.badLines.push({ line, code, message, text: text.slice(0, 200) });
  };
  try {
    for await (const text of lines) {
      const n = ++stats.lines;
      if (options.signal?.aborted) throw options.signal.reason;
      if (text.startsWith('#')) {
        const m = /^#\s*Date of update\s*:\s*(\d{14})/i.exec(text);
        const d = m?.[1] === undefined ? undefined : parseIndexStamp(m[1]);
        if (d) stats.indexDate = d;
        continue;
      }
      if (text.trim() === '') {
        bad(n, 'index.empty_line', 'an empty line', text);
        continue;
      }
      if (text.length > maxLineLength) {
        bad(n, 'index.line_too_long', `a line of ${text.length} characters`, text);
        continue;
      }
      // eslint-disable-next-line no-control-regex -- control characters are what this detects
      if (/[\x00-\x08\x0b-\x1f\x7f\ufffd]/.test(text)) {
        bad(n, 'index.bad_characters', 'control characters or bytes that are not UTF-8', text);
        continue;
      }
      if (!columns) {
        try {
          columns = readColumns(text);
        } catch (e) {
          const le = e as LineError;
          bad(n, le.code, le.message, text);
          // without a header row the columns are unknown: nothing more can be read
          return;
        }
        continue;
      }
      try {
        const entry = parseEntry(text.split(','), columns, n);
        stats.entries++;
        if (!inWindow(entry.dateUpdate, options)) continue;
        stats.inWindow++;
        yield entry;
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        bad(n, e.code, e.message, text);
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

export function emptyStats(): IndexStats {
  return { lines: 0, entries: 0, inWindow: 0, bad: 0, badLines: [] };
}
