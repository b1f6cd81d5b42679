import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A web server on a free loopback port whose answer for each path the test decides: the right
 * bytes, other bytes, a status, nothing at all. It counts the requests and keeps their methods.
 */
export type Behaviour =
  | { serve: Buffer; contentLength?: number | 'none'; refuseHead?: boolean }
  | { status: number }
  | { redirect: string }
  | { silent: true }
  | { hangUp: true };

export interface FileServer {
  base: string;
  requests: { path: string; method: string }[];
  set(path: string, behaviour: Behaviour | ((n: number) => Behaviour)): void;
  close(): Promise<void>;
}

export async function startFileServer(): Promise<FileServer> {
  const routes = new Map<string, (n: number) => Behaviour>();
  const counts = new Map<string, number>();
  const requests: { path: string; method: string }[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push({ path, method: req.method ?? '' });
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const behaviour = routes.get(path)?.(n) ?? { status: 404 };
    if ('silent' in behaviour) return;
    if ('hangUp' in behaviour) {
      req.socket.destroy();
      return;
    }
    if ('status' in behaviour) {
      res.writeHead(behaviour.status, { 'content-type': 'text/plain' });
      res.end(`${behaviour.status}\n`);
      return;
    }
    if ('redirect' in behaviour) {
      res.writeHead(302, { location: behaviour.redirect });
      res.end();
      return;
    }
    if (behaviour.refuseHead && req.method === 'HEAD') {
      res.writeHead(405);
      res.end();
      return;
    }
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
    if (behaviour.contentLength !== 'none') headers['content-length'] = behaviour.contentLength ?? behaviour.serve.length;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.end(behaviour.serve);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/`,
    requests,
    set(path, behaviour) {
      routes.set(path, typeof behaviour === 'function' ? behaviour : () => behaviour);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => { resolve(); }));
    },
  };
}

/** The STAC `file:checksum` of some bytes: a sha2-512 multihash, in hex. */
export function multihashSha512(bytes: Buffer): string {
  return `1340${createHash('sha512').update(bytes).digest('hex')}`;
}

export function sha512Base64(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('base64');
}
