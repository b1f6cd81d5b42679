import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A synthetic GDAC: a `dac/` tree of made-up profile files and its index. */
export const INDEX_HEADER = [
  '# Title : Profile directory file of the Argo Global Data Assembly Center',
  '# Description : The directory file describes all individual profile files of the argo GDAC ftp site.',
  '# Project : ARGO',
  '# Format version : 2.0',
  '# Date of update : 20261201120000',
  '# FTP root number 1 : ftp://ftp.ifremer.fr/ifremer/argo/dac',
  '# FTP root number 2 : ftp://usgodae.org/pub/outgoing/argo/dac',
  '# GDAC node : CORIOLIS',
  'file,date,latitude,longitude,ocean,profiler_type,institution,date_update',
];

export interface GdacFile {
  /** below dac/ */
  file: string;
  dateUpdate: string;
  latitude?: number;
  longitude?: number;
}

export interface Gdac {
  root: string;
  files: GdacFile[];
  indexPath: string;
  writeIndex(extra?: string[]): void;
  /** writes a file's bytes (new content changes its checksum) */
  writeFile(f: GdacFile, content?: string): void;
  remove(f: GdacFile): void;
  close(): void;
}

export function indexLine(f: GdacFile): string {
  const lat = f.latitude ?? 45.123;
  const lon = f.longitude ?? -20.5;
  return `${f.file},${f.dateUpdate.slice(0, 8)}060000,${lat},${lon},A,846,IF,${f.dateUpdate}`;
}

/** `count` real-time profiles of coriolis floats, updated one minute apart from `firstUpdate`. */
export function makeGdac(count: number, firstUpdate = Date.UTC(2026, 10, 30, 0, 0, 0)): Gdac {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-gdac-'));
  const files: GdacFile[] = [];
  for (let i = 0; i < count; i++) {
    const float = 6900000 + i;
    const stamp = new Date(firstUpdate + i * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    files.push({ file: `coriolis/${float}/profiles/R${float}_001.nc`, dateUpdate: stamp, latitude: 40 + i / 100, longitude: -30 + i / 100 });
  }
  const gdac: Gdac = {
    root,
    files,
    indexPath: path.join(root, 'ar_index_global_prof.txt'),
    writeIndex(extra = []) {
      fs.writeFileSync(gdac.indexPath, [...INDEX_HEADER, ...gdac.files.map(indexLine), ...extra].join('\n') + '\n');
    },
    writeFile(f, content) {
      const p = path.join(root, 'dac', f.file);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content ?? `synthetic netCDF bytes of ${f.file}\n`.repeat(20));
    },
    remove(f) {
      gdac.files = gdac.files.filter((g) => g !== f);
      fs.rmSync(path.join(root, 'dac', f.file), { force: true });
    },
    close() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  for (const f of files) gdac.writeFile(f);
  gdac.writeIndex();
  return gdac;
}

export function sha512Multihash(bytes: Buffer): string {
  return '1340' + createHash('sha512').update(bytes).digest('hex');
}

/** Serves a folder over HTTP on a free loopback port, as the GDAC's https server would. */
export async function serveFolder(root: string): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    requests.push(url);
    const file = path.join(root, ...url.split('/').filter((s) => s !== '' && s !== '..'));
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': st.size });
      fs.createReadStream(file).pipe(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => { resolve(); });
      }),
  };
}
