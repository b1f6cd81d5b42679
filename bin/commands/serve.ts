/**
 * `wis2 serve`: a small read-only HTTP file server standing in for the centre's web server, so
 * that a (simulated) Global Cache has files to download: the files of a directory, or the
 * synthetic sample files whose bytes the sample events' checksums describe.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EX_USAGE, type CommandIo } from '../cli/io';
import { UsageError, numberOption } from '../cli/command';
import { syntheticFile } from '../cli/samples';

const USAGE = `usage:
  wis2 serve (--dir DIR | --synthetic) [--wrong NAME]… [--port P] [--host H] [--timeout S]
      serves files over HTTP (GET and HEAD) until stopped:
  --dir DIR        the files under DIR, by their path below it
  --synthetic      for any path, the synthetic sample file of that name: the text
                   "synthetic sample: <file name>", which the sample events' checksums describe
  --wrong NAME     serve the file NAME with other bytes of the same length (repeatable): shows
                   what a Global Cache does with a file that is not what was announced
  --port P         default 8000 (0: any free port)
  --host H         default 127.0.0.1
  --timeout S      stop after S seconds
  prints {"serving":URL} on stderr once listening, one line per request on stdout
  ("<status> <path> <bytes>"), exit 0 when stopped, 64 on usage errors`;

const OPTIONS = {
  dir: { type: 'string' },
  synthetic: { type: 'boolean' },
  wrong: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

/** Other bytes of the same length: what a broken copy or a half-written file looks like. */
export function wrongBytes(bytes: Buffer): Buffer {
  return Buffer.from(bytes.map((b) => b ^ 0x20));
}

export interface FileServerOptions {
  dir?: string;
  synthetic?: boolean;
  wrong?: readonly string[];
  port?: number;
  host?: string;
  onRequest?: (status: number, urlPath: string, bytes: number) => void;
}

export interface FileServer {
  url: string;
  close(): Promise<void>;
}

function fileBytes(opts: FileServerOptions, urlPath: string): Buffer | undefined {
  const name = path.posix.basename(urlPath);
  if (name === '' || urlPath.split('/').includes('..')) return undefined;
  let bytes: Buffer | undefined;
  if (opts.synthetic === true) bytes = syntheticFile(name);
  else if (opts.dir !== undefined) {
    const root = path.resolve(opts.dir);
    const file = path.resolve(root, '.' + urlPath);
    if (!file.startsWith(root + path.sep)) return undefined;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      return undefined;
    }
  }
  return bytes !== undefined && opts.wrong?.includes(name) === true ? wrongBytes(bytes) : bytes;
}

export async function startFileServer(opts: FileServerOptions): Promise<FileServer> {
  const server = http.createServer((req, res) => {
    let urlPath = '/';
    try {
      urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      // a malformed escape: no such file
    }
    const bytes = req.method === 'GET' || req.method === 'HEAD' ? fileBytes(opts, urlPath) : undefined;
    if (bytes === undefined) {
      res.writeHead(404).end();
      opts.onRequest?.(404, urlPath, 0);
      return;
    }
    res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    opts.onRequest?.(200, urlPath, bytes.length);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8000, opts.host ?? '127.0.0.1', () => { resolve(); });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  };
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  let opts: FileServerOptions;
  let timeoutMs: number | undefined;
  try {
    const { values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
    if (values.help === true) {
      io.out(USAGE);
      return 0;
    }
    if ((values.dir === undefined) === (values.synthetic !== true)) throw new UsageError('give either --dir DIR or --synthetic');
    if (values.dir !== undefined && !fs.statSync(values.dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--dir "${values.dir}" is not a directory`);
    opts = {
      synthetic: values.synthetic === true,
      wrong: values.wrong ?? [],
      port: numberOption('port', values.port, 8000, { min: 0, max: 65535, integer: true }),
      host: values.host ?? '127.0.0.1',
      onRequest: (status, p, bytes) => { io.out(`${status} ${JSON.stringify(p)} ${bytes}`); },
    };
    if (values.dir !== undefined) opts.dir = values.dir;
    timeoutMs = values.timeout === undefined ? undefined : numberOption('timeout', values.timeout, 0, { min: 0.001, max: 31_536_000 }) * 1000;
  } catch (err) {
    if (err instanceof UsageError || err instanceof TypeError) {
      io.err(`wis2 serve: ${err.message}\n${USAGE}`);
      return EX_USAGE;
    }
    throw err;
  }
  const server = await startFileServer(opts);
  io.err(JSON.stringify({ serving: server.url }));
  await new Promise<void>((resolve) => {
    const stopListening = io.onStop?.(() => { resolve(); });
    if (timeoutMs !== undefined) setTimeout(() => { stopListening?.(); resolve(); }, timeoutMs);
  });
  await server.close();
  return 0;
}
