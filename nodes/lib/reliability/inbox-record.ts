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

/** A header encoded for a topic, and the options it was encoded with. */
interface Encoded {
  qos: number;
  retain: boolean;
  contentType: string | undefined;
  header: Buffer;
}

/**
 * Headers of messages without user properties, by topic and then options: most messages come on
 * a few topics with the same options (and a publisher sends on a few), so each header is encoded
 * once. Looked up by the topic alone, whose hash V8 keeps in the string (a publisher's topic is
 * the same string each time); a key joining topic and options was a new string to hash each
 * time. Bounded: cleared when full.
 */
const headers = new Map<string, Encoded[]>();
let encodedCount = 0;
const MAX_HEADERS = 1024;

function headerJson(r: Received): Buffer {
  return Buffer.from(JSON.stringify({ t: r.topic, q: r.qos, r: r.retain, c: r.contentType, u: r.userProperties }), 'utf8');
}

/** The header JSON of `r`, encoded: what comes between the header length and the payload. */
export function encodeHeader(r: Received): Buffer {
  // cached only for the types told apart below, which an untyped caller could break
  const cacheable = r.userProperties === undefined && typeof r.topic === 'string' && typeof r.qos === 'number' && typeof r.retain === 'boolean' && (r.contentType === undefined || typeof r.contentType === 'string');
  if (!cacheable) return headerJson(r);
  let encoded = headers.get(r.topic);
  if (encoded !== undefined) {
    for (const e of encoded) if (e.qos === r.qos && e.retain === r.retain && e.contentType === r.contentType) return e.header;
  }
  const header = headerJson(r);
  if (encodedCount >= MAX_HEADERS) {
    headers.clear();
    encodedCount = 0;
    encoded = undefined;
  }
  if (encoded === undefined) headers.set(r.topic, (encoded = []));
  encoded.push({ qos: r.qos, retain: r.retain, contentType: r.contentType, header });
  encodedCount++;
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
