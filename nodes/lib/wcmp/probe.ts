/**
 * Looking at links over the network for the KPIs: does the URL answer, with what media type, and
 * what do its first bytes say it is. Every request has a deadline and reads at most a few
 * kilobytes; failures are answers, never exceptions.
 */

export interface ProbeOptions {
  fetch: typeof fetch;
  timeoutMs: number;
}

export interface ProbeResult {
  /** Final HTTP status after redirects, when a response came. */
  status?: number;
  /** Media type of the response, without parameters, lower case. */
  contentType?: string;
  /** The first bytes of the body (GET only). */
  head?: Uint8Array;
  /** Why no response came (timeout, DNS, refused, ...). */
  error?: string;
}

export function resolves(r: ProbeResult): boolean {
  return r.status !== undefined && r.status < 400;
}

async function readHead(res: Response, max: number): Promise<Uint8Array> {
  const body = res.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const out = new Uint8Array(Math.min(size, max));
  let at = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, out.length - at);
    out.set(c.subarray(0, take), at);
    at += take;
    if (at >= out.length) break;
  }
  return out;
}

async function once(url: string, method: 'HEAD' | 'GET', options: ProbeOptions, headBytes: number): Promise<ProbeResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => { controller.abort(); }, options.timeoutMs);
  try {
    const res = await options.fetch(url, { method, redirect: 'follow', signal: controller.signal });
    const out: ProbeResult = { status: res.status };
    const type = res.headers.get('content-type');
    if (type !== null) out.contentType = (type.split(';')[0] ?? '').trim().toLowerCase();
    if (method === 'GET' && headBytes > 0) out.head = await readHead(res, headBytes);
    else await res.body?.cancel().catch(() => undefined);
    return out;
  } catch (err) {
    const aborted = controller.signal.aborted;
    return { error: aborted ? `no answer within ${options.timeoutMs} ms` : err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** HEAD first, as link checkers do; GET when the server refuses or fails HEAD. */
export async function probeLink(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const head = await once(url, 'HEAD', options, 0);
  if (resolves(head)) return head;
  const get = await once(url, 'GET', options, 0);
  return get.status !== undefined || head.status === undefined ? get : head;
}

/** GET with the first bytes of the body, to tell what the content really is. */
export function probeContent(url: string, options: ProbeOptions, bytes = 1024): Promise<ProbeResult> {
  return once(url, 'GET', options, bytes);
}

/** Runs tasks with at most `limit` in flight, keeping their order. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await task(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...Array.from(bytes.subarray(from, to)));
}

/** The image type the first bytes announce (magic numbers), or undefined. */
export function sniffImage(bytes: Uint8Array): string | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(bytes, 1, 4) === 'PNG') return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return 'image/gif';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 12 && ascii(bytes, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(bytes, 8, 12))) return 'image/avif';
  const text = Buffer.from(bytes).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(text)) return 'image/svg+xml';
  return undefined;
}
