/**
 * HTTP requests with the budgets the WIS2 Global Caches give a download: a deadline to connect
 * and a deadline between two reads, as separate limits (fetch has only one overall deadline,
 * which would cut a large file that is still arriving). Redirects are followed, to http(s) only.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

export interface BudgetOptions {
  /** most time to open the connection (TLS included) */
  connectTimeoutMs: number;
  /** most time without a byte from the server once connected */
  readTimeoutMs: number;
  maxRedirects?: number;
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}

/** A response whose body is still to be read, or dropped with `discard()`. */
export interface BudgetResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** the URL that answered, after redirects */
  url: string;
  body: http.IncomingMessage;
  discard(): void;
}

/** Why no response came: `timeout` (connect or read), `network` (refused, reset, DNS...), `aborted`. */
export class RequestFailure extends Error {
  constructor(readonly kind: 'timeout' | 'network' | 'aborted' | 'redirect', message: string) {
    super(message);
    this.name = 'RequestFailure';
  }
}

const USER_AGENT = 'node-red-contrib-wis2';

function once(url: URL, options: BudgetOptions): Promise<http.IncomingMessage> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    let response: http.IncomingMessage | undefined;
    const fail = (err: RequestFailure): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(err);
    };
    const req = transport.request(url, {
      method: options.method ?? 'GET',
      // identity: the length a cache compares is the file's, not a compressed copy's
      headers: { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...options.headers },
      // a fresh connection per request, so the connect budget is always measured
      agent: false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const connectTimer = setTimeout(() => {
      fail(new RequestFailure('timeout', `no connection within ${options.connectTimeoutMs / 1000} s`));
    }, options.connectTimeoutMs);
    const connected = (): void => {
      clearTimeout(connectTimer);
      req.setTimeout(options.readTimeoutMs, () => {
        const failure = new RequestFailure('timeout', `nothing received for ${options.readTimeoutMs / 1000} s`);
        // once the answer has begun, whoever reads its body sees the failure
        if (response) response.destroy(failure);
        else fail(failure);
      });
    };
    req.on('socket', (socket: Socket) => {
      if (!socket.connecting) connected();
      else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', connected);
    });
    req.on('error', (err: Error & { code?: string }) => {
      clearTimeout(connectTimer);
      if (options.signal?.aborted) fail(new RequestFailure('aborted', 'the request was cancelled'));
      else fail(new RequestFailure('network', err.code ? `${err.code}: ${err.message}` : err.message));
    });
    req.on('response', (res) => {
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      response = res;
      // the read budget keeps running on the body: a server that stops sending is cut off
      res.on('error', () => undefined);
      resolve(res);
    });
    req.end(options.body);
  });
}

export async function budgetRequest(href: string, options: BudgetOptions): Promise<BudgetResponse> {
  let url = new URL(href);
  const maxRedirects = options.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RequestFailure('redirect', `${url.protocol} is not http or https`);
    const res = await once(url, options);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && status !== 304 && typeof location === 'string') {
      res.destroy();
      if (hop >= maxRedirects) throw new RequestFailure('redirect', `more than ${maxRedirects} redirects`);
      url = new URL(location, url);
      continue;
    }
    return {
      status,
      headers: res.headers,
      url: url.href,
      body: res,
      discard: () => { res.destroy(); },
    };
  }
}

/** Reads a whole body of at most `maxBytes` (more: a RequestFailure). */
export async function readBody(res: BudgetResponse, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        res.discard();
        throw new RequestFailure('network', `the answer is larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof RequestFailure) throw err;
    throw new RequestFailure('network', `the answer broke off: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks);
}
