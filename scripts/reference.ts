#!/usr/bin/env node
/**
 * `npm run reference`: downloads the official files the reference test suites compare against
 * (WMO schemas, examples, codelists, pywcmp's test records, Ifremer's samples), each from its
 * public repository at the commit `reference.manifest.json` pins, and keeps a file only when its
 * SHA-256 is the one the manifest gives. A file is written under a temporary name in its own
 * folder and renamed once complete, so a failed or refused download never leaves a partial or
 * unverified file behind.
 *
 *   node dist/scripts/reference.js [--dir DIR] [--base-url URL] [--timeout MS] [--manifest FILE]
 *
 * DIR defaults to WIS2_REFERENCE_DIR, else `reference/` in the repository (where the tests look).
 * URL replaces the manifest's base URL (WIS2_REFERENCE_BASE_URL too): a mirror, or a test server.
 * Exit 0 when every file is there and verified, 1 when one could not be, 64 on a usage error.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export interface ManifestFile {
  /** Where the file goes, relative to the reference folder. */
  path: string;
  /** Where it is published: `<baseUrl>/<owner>/<repo>/<commit>/<path in the repository>`. */
  url: string;
  /** When the URL is a zip archive: the name of the member that is the file. */
  member?: string;
  sha256: string;
  bytes?: number;
}

export interface Manifest {
  baseUrl: string;
  files: ManifestFile[];
}

export interface FetchOptions {
  dir: string;
  /** Replaces `manifest.baseUrl` at the start of every URL. */
  baseUrl?: string;
  timeoutMs?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

export interface FetchResult {
  fetched: string[];
  present: string[];
  failed: { path: string; error: string }[];
}

export const DEFAULT_TIMEOUT_MS = 30_000;

const repoRoot = path.resolve(__dirname, '..', '..');
export const MANIFEST_FILE = path.join(repoRoot, 'reference.manifest.json');
export const DEFAULT_DIR = path.join(repoRoot, 'reference');

export function readManifest(file = MANIFEST_FILE): Manifest {
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  for (const f of manifest.files) checkEntry(manifest, f);
  return manifest;
}

/** A manifest entry must stay inside the reference folder and name a pinned, hashed file. */
function checkEntry(manifest: Manifest, f: ManifestFile): void {
  const normal = path.posix.normalize(f.path);
  if (path.isAbsolute(f.path) || normal !== f.path || normal.startsWith('..')) throw new Error(`manifest: ${f.path} is not a plain relative path`);
  if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw new Error(`manifest: ${f.path} has no SHA-256`);
  if (!f.url.startsWith(manifest.baseUrl + '/')) throw new Error(`manifest: ${f.path} is not under ${manifest.baseUrl}`);
}

export function sha256(bytes: Buffer): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The bytes at `url`, or an Error that says why not (HTTP status, timeout, network). */
async function download(url: string, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) throw new Error(`no answer from ${url} within ${timeoutMs} ms`, { cause: err });
    // fetch says only "fetch failed"; the network's own reason (ENOTFOUND, ECONNREFUSED…) is its cause
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
    const reason = cause ? `${err instanceof Error ? err.message : ''} (${(cause as NodeJS.ErrnoException).code ?? cause.message})` : String(err);
    throw new Error(`cannot fetch ${url}: ${reason}`, { cause: err });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url} answered HTTP ${response.status}`);
  }
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) throw new Error(`${url} stopped sending within ${timeoutMs} ms`, { cause: err });
    throw err;
  }
}

/**
 * One member of a zip archive, found through the central directory; the name may carry the
 * archive's folder. Stored and deflated members only, which is what `zip` writes.
 */
export function zipMember(zip: Buffer, name: string): Buffer {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let k = 0; k < count; k++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('damaged zip archive');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const entry = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    if (entry !== name && !entry.endsWith('/' + name)) continue;
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error('damaged zip archive');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    if (method === 0) return Buffer.from(data);
    if (method === 8) return zlib.inflateRawSync(data);
    throw new Error(`${entry} is compressed with method ${method}, which this reader does not know`);
  }
  throw new Error(`no ${name} in the archive`);
}

/** Writes under a temporary name beside the target, then renames: never a partial file. */
function writeAtomically(target: string, bytes: Buffer): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`;
  try {
    fs.writeFileSync(temp, bytes);
    fs.renameSync(temp, target);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

function isVerified(file: string, expected: string): boolean {
  try {
    return sha256(fs.readFileSync(file)) === expected;
  } catch {
    return false;
  }
}

export async function fetchReference(manifest: Manifest, options: FetchOptions): Promise<FetchResult> {
  const log = options.log ?? ((): void => undefined);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const base = (options.baseUrl ?? manifest.baseUrl).replace(/\/+$/, '');
  const result: FetchResult = { fetched: [], present: [], failed: [] };
  // An archive holding several files is downloaded once.
  const downloads = new Map<string, Promise<Buffer>>();
  const get = (url: string): Promise<Buffer> => {
    let pending = downloads.get(url);
    if (!pending) {
      pending = download(url, timeoutMs);
      downloads.set(url, pending);
    }
    return pending;
  };

  const one = async (f: ManifestFile): Promise<void> => {
    checkEntry(manifest, f);
    const target = path.join(options.dir, ...f.path.split('/'));
    if (isVerified(target, f.sha256)) {
      result.present.push(f.path);
      return;
    }
    const url = base + f.url.slice(manifest.baseUrl.length);
    try {
      const served = await get(url);
      const bytes = f.member === undefined ? served : zipMember(served, f.member);
      const actual = sha256(bytes);
      const what = f.member === undefined ? url : `${f.member} in ${url}`;
      if (actual !== f.sha256) throw new Error(`refused: ${what} has SHA-256 ${actual}, the manifest pins ${f.sha256}`);
      writeAtomically(target, bytes);
      result.fetched.push(f.path);
      log(`fetched ${f.path} (${bytes.length} bytes)`);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      result.failed.push({ path: f.path, error });
      log(`FAILED ${f.path}: ${error}`);
    }
  };

  const queue = [...manifest.files];
  const workers = Array.from({ length: Math.max(1, options.concurrency ?? 4) }, async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) await one(f);
  });
  await Promise.all(workers);
  return result;
}

const USAGE = 'usage: node dist/scripts/reference.js [--dir DIR] [--base-url URL] [--timeout MS] [--manifest FILE]';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = console.log): Promise<number> {
  const options: Partial<Record<string, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv.at(i + 1);
    if (name === '--help' || name === '-h') {
      out(USAGE);
      return 0;
    }
    if (!['--dir', '--base-url', '--timeout', '--manifest'].includes(name) || value === undefined) {
      out(USAGE);
      return 64;
    }
    options[name] = value;
    i++;
  }
  const timeoutMs = options['--timeout'] === undefined ? DEFAULT_TIMEOUT_MS : Number(options['--timeout']);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    out(`--timeout must be a whole number of milliseconds\n${USAGE}`);
    return 64;
  }
  const dir = path.resolve(options['--dir'] ?? (env.WIS2_REFERENCE_DIR || DEFAULT_DIR));
  const baseUrl = options['--base-url'] ?? (env.WIS2_REFERENCE_BASE_URL || undefined);
  const manifest = readManifest(options['--manifest'] ?? MANIFEST_FILE);
  const r = await fetchReference(manifest, { dir, baseUrl, timeoutMs, log: out });
  out(`${manifest.files.length} reference files in ${dir}: ${r.fetched.length} fetched, ${r.present.length} already there, ${r.failed.length} failed`);
  return r.failed.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`reference: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
