/**
 * How a reliable input keeps a received MQTT message in its journal, and the outbox a message
 * to send: [4-byte header length][header JSON][payload], the payload byte-exact.
 */
export interface Received {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  contentType?: string;
  userProperties?: Record<string, string | string[]>;
}

/**
 * Headers of messages without user properties, by what they hold: most messages come on a few
 * topics with the same options (and a publisher sends on a few), so each header is encoded
 * once. Bounded: cleared when full.
 */
const headers = new Map<string, Buffer>();
const MAX_HEADERS = 1024;

/** The header JSON of `r`, encoded: what comes between the header length and the payload. */
export function encodeHeader(r: Received): Buffer {
  // cached only for the types the key tells apart, which an untyped caller could break
  const cacheable = r.userProperties === undefined && typeof r.topic === 'string' && typeof r.qos === 'number' && typeof r.retain === 'boolean' && (r.contentType === undefined || typeof r.contentType === 'string');
  if (!cacheable) return Buffer.from(JSON.stringify({ t: r.topic, q: r.qos, r: r.retain, c: r.contentType, u: r.userProperties }), 'utf8');
  const key = `${r.qos}${r.retain ? 'r' : 'n'}${r.contentType === undefined ? '-' : `${r.contentType.length}:${r.contentType}`}|${r.topic}`;
  let header = headers.get(key);
  if (header === undefined) {
    header = Buffer.from(JSON.stringify({ t: r.topic, q: r.qos, r: r.retain, c: r.contentType }), 'utf8');
    if (headers.size >= MAX_HEADERS) headers.clear();
    headers.set(key, header);
  }
  return header;
}

export function encode(r: Received): Buffer {
  const header = encodeHeader(r);
  const out = Buffer.allocUnsafe(4 + header.length + r.payload.length);
  out.writeUInt32BE(header.length, 0);
  header.copy(out, 4);
  r.payload.copy(out, 4 + header.length);
  return out;
}

export function decode(b: Buffer): Received {
  const len = b.readUInt32BE(0);
  const h = JSON.parse(b.subarray(4, 4 + len).toString('utf8')) as { t: string; q: number; r: boolean; c?: string; u?: Record<string, string | string[]> };
  const r: Received = { topic: h.t, qos: h.q, retain: h.r, payload: b.subarray(4 + len) };
  if (h.c !== undefined) r.contentType = h.c;
  if (h.u !== undefined) r.userProperties = h.u;
  return r;
}
