/**
 * The sample "file created" CloudEvents the package ships (flows/samples), and their variants:
 * new events announcing new files, made by renaming the file wherever the sample spells it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InputError, errorText } from './command';
import { EX_DATAERR, EX_NOINPUT, type CommandIo } from './io';
import { isRecord } from '../../nodes/lib/core/json';

/** The internal topics of the Coriolis diffusion system (`diffusion/files/coriolis/argo/#`). */
export const DIFFUSION_TOPIC_PREFIX = 'diffusion/files/coriolis/argo/';

export type Json = Record<string, unknown>;

/**
 * How `--vary` makes new files out of a sample: the strings of the sample that name its file
 * (longest first), what they become in its n-th variant (n >= 1, injective in n), and how many
 * variants keep a valid file name.
 */
interface Renamer {
  capacity: number;
  tokens: readonly string[];
  values(n: number): string[];
}

interface Rewriter {
  pattern: RegExp;
  tokens: readonly string[];
}

function rewriterFor(renamer: Renamer | undefined): Rewriter | undefined {
  if (renamer === undefined || renamer.tokens.length === 0) return undefined;
  return { pattern: new RegExp(renamer.tokens.map(escapeRegExp).join('|'), 'g'), tokens: renamer.tokens };
}

const PROFILE = /^([RD]|B[RD]|S[RD]|M[RD])([0-9]{5,7})_([0-9]{3,4})(D?(?:_aux)?\.nc)$/;
const FLOAT_FILE = /^([0-9]{5,7})(_[A-Za-z]+(?:_aux)?\.nc)$/;
const BULLETIN = /^([A-Z]{4})([0-9]{2})_([A-Z]{4})_([0-9]{2})([0-9]{2})([0-9]{2})\.BU$/;
/** Under 28 days of minutes: no two bulletin times of one window share their day-hour-minute. */
const BULLETIN_WINDOW = 40_000;
const CYCLES_PER_FLOAT = 999;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Profiles: the next cycle numbers (001-999), then the next float numbers. */
function profileRenamer(m: RegExpExecArray): Renamer {
  const wmoText = m[2];
  const cycleText = m[3];
  const wmo = Number(wmoText);
  const cycle = Number(cycleText);
  const floats = 10 ** wmoText.length - wmo;
  const first = Math.max(cycle, 1) - 1;
  return {
    capacity: floats * CYCLES_PER_FLOAT - first - 1,
    tokens: [`${wmoText}_${cycleText}`, wmoText],
    values: (n) => {
      const index = first + n;
      const newWmo = pad(wmo + Math.floor(index / CYCLES_PER_FLOAT), wmoText.length);
      return [`${newWmo}_${pad((index % CYCLES_PER_FLOAT) + 1, 3)}`, newWmo];
    },
  };
}

/** Float-level files (`<wmo>_meta.nc`…): the next float numbers. */
function floatRenamer(m: RegExpExecArray): Renamer {
  const wmoText = m[1];
  const wmo = Number(wmoText);
  return {
    capacity: 10 ** wmoText.length - 1 - wmo,
    tokens: [wmoText],
    values: (n) => [pad(wmo + n, wmoText.length)],
  };
}

/** BUFR bulletins `etc/bufr/<yyyymm>/<TTAAii>_<CCCC>_<ddhhmm>.BU`: later bulletin times. */
function bulletinRenamer(m: RegExpExecArray, month: string): Renamer | undefined {
  const [, ttaa = '', ii = '', cccc = '', dd = '', hh = '', mi = ''] = m;
  const base = Date.UTC(Number(month.slice(0, 4)), Number(month.slice(4)) - 1, Number(dd), Number(hh), Number(mi));
  const at = new Date(base);
  if (Number.isNaN(base) || at.getUTCDate() !== Number(dd) || at.getUTCMonth() + 1 !== Number(month.slice(4))) return undefined;
  const stem = `${ttaa}${ii}_${cccc}_${dd}${hh}${mi}`;
  return {
    capacity: (100 - Number(ii)) * BULLETIN_WINDOW - 1,
    tokens: [`${month}/${stem}`, stem],
    values: (n) => {
      const t = new Date(base + (n % BULLETIN_WINDOW) * 60_000);
      const newMonth = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1, 2)}`;
      const newStem = `${ttaa}${pad(Number(ii) + Math.floor(n / BULLETIN_WINDOW), 2)}_${cccc}_${pad(t.getUTCDate(), 2)}${pad(t.getUTCHours(), 2)}${pad(t.getUTCMinutes(), 2)}`;
      return [`${newMonth}/${newStem}`, newStem];
    },
  };
}

/** Any other file: a version suffix before the extension. */
function suffixRenamer(filename: string): Renamer {
  const dot = filename.lastIndexOf('.');
  const stem = dot > 0 ? filename.slice(0, dot) : filename;
  const ext = dot > 0 ? filename.slice(dot) : '';
  return { capacity: Number.MAX_SAFE_INTEGER, tokens: [filename], values: (n) => [`${stem}-v${n}${ext}`] };
}

function renamerFor(href: string | undefined): Renamer | undefined {
  if (href === undefined) return undefined;
  const segments = href.split(/[?#]/, 1)[0]?.split('/') ?? [];
  const filename = segments.at(-1) ?? '';
  if (filename === '') return undefined;
  const profile = PROFILE.exec(filename);
  if (profile) return profileRenamer(profile);
  const float = FLOAT_FILE.exec(filename);
  if (float) return floatRenamer(float);
  const bulletin = BULLETIN.exec(filename);
  const month = segments.at(-2) ?? '';
  if (bulletin && /^[0-9]{4}(0[1-9]|1[0-2])$/.test(month)) return bulletinRenamer(bulletin, month) ?? suffixRenamer(filename);
  return suffixRenamer(filename);
}

interface Asset {
  key: string;
  value: Json;
}

function assetsOf(event: Json): Asset[] {
  const data = event.data;
  if (!isRecord(data) || !isRecord(data.assets)) return [];
  return Object.entries(data.assets).flatMap(([key, value]) => (isRecord(value) ? [{ key, value }] : []));
}

/** The file an event is about: its first `data` asset, or its first asset. */
function primaryAsset(event: Json): Asset | undefined {
  const assets = assetsOf(event);
  return assets.find((a) => Array.isArray(a.value.roles) && a.value.roles.includes('data')) ?? assets[0];
}

export interface Sample {
  file: string;
  bytes: Buffer;
  event: Json;
  id: string;
  hrefs: string[];
  topic: string;
  renamer: Renamer | undefined;
  rewriter: Rewriter | undefined;
}

function hrefsOf(event: Json): string[] {
  return assetsOf(event).flatMap((a) => (typeof a.value.href === 'string' ? [a.value.href] : []));
}

/** BUFR bulletins go to `.../bufr`, everything else to `.../netcdf`, as the diffusion system does. */
function diffusionTopic(event: Json): string {
  const asset = primaryAsset(event);
  const type = typeof asset?.value.type === 'string' ? asset.value.type.toLowerCase() : '';
  const href = typeof asset?.value.href === 'string' ? asset.value.href : '';
  const bufr = type.includes('bufr') || /\.(bu|bufr|bufr4)$/i.test(href);
  return `${DIFFUSION_TOPIC_PREFIX}${bufr ? 'bufr' : 'netcdf'}`;
}

/** The package root: where `flows/samples` ships, from dist/bin/commands or bin/commands alike. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'node-red-contrib-wis2') return dir;
      } catch {
        // an unreadable manifest is not ours; keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, '..', '..', '..');
    dir = parent;
  }
}

export const SAMPLES_DIR: string = path.join(packageRoot(), 'flows', 'samples');

function eventFiles(where: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(where);
  } catch (err) {
    throw new InputError(EX_NOINPUT, 'cli.unreadable', `cannot read ${where}: ${errorText(err)}`);
  }
  if (!stat.isDirectory()) return [where];
  const files = fs
    .readdirSync(where)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => path.join(where, n));
  if (files.length === 0) throw new InputError(EX_NOINPUT, 'cli.no_events', `no .json event file in ${where}`);
  return files;
}

export function loadSamples(where: string, io: CommandIo): Sample[] {
  return eventFiles(where).map((file) => {
    let bytes: Buffer;
    try {
      bytes = io.readFile(file);
    } catch (err) {
      throw new InputError(EX_NOINPUT, 'cli.unreadable', `cannot read ${file}: ${errorText(err)}`);
    }
    let event: unknown;
    try {
      event = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new InputError(EX_DATAERR, 'cli.not_json', `${file} is not JSON: ${errorText(err)}`);
    }
    // Only the shape needed to publish and vary it is required: the simulator may well be used
    // to send events the pipeline must refuse.
    if (!isRecord(event)) throw new InputError(EX_DATAERR, 'cli.not_event', `${file} holds no JSON object, so no CloudEvent`);
    const href = primaryAsset(event)?.value.href;
    const renamer = renamerFor(typeof href === 'string' ? href : undefined);
    return {
      file,
      bytes,
      event,
      id: typeof event.id === 'string' ? event.id : '',
      hrefs: hrefsOf(event),
      topic: diffusionTopic(event),
      renamer,
      rewriter: rewriterFor(renamer),
    };
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A fresh synthetic checksum of the same multihash kind: a new file has other bytes. */
function newChecksum(old: unknown, seed: string): unknown {
  if (typeof old !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(old) || old.length < 6) return old;
  const length = parseInt(old.slice(2, 4), 16);
  if (old.length !== 4 + 2 * length || length > 64) return old;
  const digest = createHash('sha512').update(old).update(seed).digest().subarray(0, length);
  return old.slice(0, 4) + digest.toString('hex');
}

/** The bytes of the synthetic sample file of that name (flows/samples/README.md). */
export function syntheticFile(name: string): Buffer {
  return Buffer.from(`synthetic sample: ${name}`, 'utf8');
}

/** An event whose every asset announces the synthetic file of its name: checksum and size. */
export function announceSyntheticFiles(event: Json): Json {
  const assets = isRecord(event.data) ? event.data.assets : undefined;
  if (!isRecord(assets)) return event;
  for (const asset of Object.values(assets)) {
    if (!isRecord(asset) || typeof asset.href !== 'string') continue;
    const bytes = syntheticFile(path.posix.basename(new URL(asset.href, 'file:///').pathname));
    // multihash: sha3-256 (0x16), 32 bytes (0x20), then the digest
    asset['file:checksum'] = `1620${createHash('sha3-256').update(bytes).digest('hex')}`;
    asset['file:size'] = bytes.length;
  }
  return event;
}

/**
 * The n-th variant of a sample (n >= 1): a new event announcing a new file. The file name is
 * rewritten alike wherever the sample spells it (event and Item ids, titles, platform, asset
 * keys and hrefs); the event gets the current time.
 */
export function variant(sample: Sample, n: number, now: Date): { event: Json; id: string; hrefs: string[] } {
  const event = structuredClone(sample.event);
  const { renamer, rewriter } = sample;
  const values = renamer?.values(n) ?? [];
  const replacement = (m: string): string => values[rewriter?.tokens.indexOf(m) ?? -1] ?? m;
  const rewrite = (value: unknown): unknown => (rewriter !== undefined && typeof value === 'string' ? value.replace(rewriter.pattern, replacement) : value);
  const suffix = `-v${n}`;

  const id = rewrite(event.id);
  event.id = typeof id === 'string' && id !== sample.id ? id : `${typeof event.id === 'string' ? event.id : 'event'}${suffix}`;
  if (typeof event.time === 'string') event.time = now.toISOString();
  const data = event.data;
  if (isRecord(data)) {
    const itemId = data.id;
    const newItemId = rewrite(itemId);
    data.id = typeof itemId === 'string' && newItemId === itemId ? `${itemId}${suffix}` : newItemId;
    if (isRecord(data.properties)) {
      data.properties.title = rewrite(data.properties.title);
      data.properties.platform = rewrite(data.properties.platform);
    }
    if (isRecord(data.assets)) {
      const assets: Json = {};
      for (const [key, value] of Object.entries(data.assets)) {
        if (isRecord(value)) {
          value.href = rewrite(value.href);
          value.title = rewrite(value.title);
          if (typeof value.created === 'string') value.created = now.toISOString();
          if (value['file:checksum'] !== undefined) value['file:checksum'] = newChecksum(value['file:checksum'], `${String(value.href)}#${n}`);
        }
        assets[String(rewrite(key))] = value;
      }
      data.assets = assets;
    }
  }
  return { event, id: String(event.id), hrefs: hrefsOf(event) };
}
