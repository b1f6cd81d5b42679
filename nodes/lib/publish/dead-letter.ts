import { STRICT_UTF8, safeStringify } from '../intake';
import { isRecord } from '../core/json';
import { isoTimestamp } from '../core/time';

/**
 * The record a refused message becomes on the dead-letter topic: why it was refused, in a
 * machine-readable form, and the original payload, losslessly (text, JSON, or base64 bytes).
 */
export interface DeadLetter {
  time: string;
  reason: {
    code: string;
    message: string;
    path?: string;
    stage?: string;
    /** the failed tests of a validation report */
    tests?: { id: string; message?: string; errors?: unknown[] }[];
    /** the node that raised an error caught by a Catch node */
    source?: unknown;
  };
  /** the topic the message had when it was refused */
  topic?: string;
  payload: { encoding: 'utf-8' | 'base64' | 'json' | 'none'; value: string | null };
}

export interface RefusedMessage {
  payload?: unknown;
  topic?: unknown;
  error?: unknown;
  report?: unknown;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function encodePayload(payload: unknown): DeadLetter['payload'] {
  if (payload === undefined) return { encoding: 'none', value: null };
  if (typeof payload === 'string') return { encoding: 'utf-8', value: payload };
  if (payload instanceof Uint8Array) {
    try {
      return { encoding: 'utf-8', value: STRICT_UTF8.decode(payload) };
    } catch {
      return { encoding: 'base64', value: Buffer.from(payload).toString('base64') };
    }
  }
  return { encoding: 'json', value: safeStringify(payload) };
}

/** The failed tests of a WNM or WCMP2 report, whatever the report's top-level key. */
function failedTests(report: unknown): NonNullable<DeadLetter['reason']['tests']> {
  if (!isRecord(report)) return [];
  const inner = Object.values(report).find((v) => isRecord(v) && Array.isArray(v.tests));
  const tests = isRecord(inner) ? inner.tests : report.tests;
  if (!Array.isArray(tests)) return [];
  return tests
    .filter((t): t is Record<string, unknown> => isRecord(t) && t.code === 'FAILED')
    .map((t) => {
      const out: { id: string; message?: string; errors?: unknown[] } = { id: String(t.id) };
      if (typeof t.message === 'string') out.message = t.message;
      if (Array.isArray(t.errors)) out.errors = t.errors;
      return out;
    });
}

function reasonOf(msg: RefusedMessage): DeadLetter['reason'] {
  const err = msg.error;
  if (isRecord(err) && typeof err.code === 'string') {
    const reason: DeadLetter['reason'] = { code: err.code, message: str(err.message) ?? '' };
    if (typeof err.path === 'string') reason.path = err.path;
    if (typeof err.stage === 'string') reason.stage = err.stage;
    return reason;
  }
  if (isRecord(err) && typeof err.message === 'string') {
    // a Catch node's message: msg.error = { message, source: { id, type, name, count } }
    const reason: DeadLetter['reason'] = { code: 'node.error', message: err.message };
    if (err.source !== undefined) reason.source = err.source;
    return reason;
  }
  const tests = failedTests(msg.report);
  if (tests.length > 0 || msg.report !== undefined) {
    const names = tests.map((t) => t.id.slice(t.id.lastIndexOf('/') + 1));
    return { code: 'validation.failed', message: `failed: ${names.join(', ') || 'see report'}`, tests };
  }
  return { code: 'unknown', message: 'refused without a recorded reason' };
}

export function deadLetter(msg: RefusedMessage, now = new Date()): DeadLetter {
  const record: DeadLetter = { time: isoTimestamp(now.getTime()), reason: reasonOf(msg), payload: encodePayload(msg.payload) };
  if (typeof msg.topic === 'string') record.topic = msg.topic;
  return record;
}

/** Longest summary line: the debug sidebar and logs show one readable line, the record the rest. */
const SUMMARY_MAX = 400;
/** Beyond this a refused payload is not parsed again just to name its file. */
const SUMMARY_PARSE_MAX = 64 * 1024;

function parsedPayload(payload: unknown): unknown {
  if (isRecord(payload) && !(payload instanceof Uint8Array)) return payload;
  const text = typeof payload === 'string' ? payload : payload instanceof Uint8Array && payload.length <= SUMMARY_PARSE_MAX ? Buffer.from(payload).toString('utf8') : undefined;
  if (text === undefined || text.length > SUMMARY_PARSE_MAX) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The file a refused message was about, when it says: a notification's link, an event's first asset, else the event. */
export function fileOf(msg: RefusedMessage & { wis2?: unknown }): string | undefined {
  if (isRecord(msg.wis2) && typeof msg.wis2.href === 'string') return msg.wis2.href;
  const p = parsedPayload(msg.payload);
  if (!isRecord(p)) return undefined;
  const link = Array.isArray(p.links) ? (p.links as unknown[]).find((l) => isRecord(l) && typeof l.href === 'string') : undefined;
  if (isRecord(link)) return String(link.href);
  const assets = isRecord(p.data) && isRecord(p.data.assets) ? Object.values(p.data.assets) : [];
  const asset = assets.find((a) => isRecord(a) && typeof a.href === 'string');
  if (isRecord(asset)) return String(asset.href);
  return typeof p.id === 'string' ? `event ${p.id}` : undefined;
}

/** One line for people: `code: message @ path, file`. The record itself stays the contract. */
export function deadLetterSummary(record: DeadLetter, msg: RefusedMessage & { wis2?: unknown }): string {
  const r = record.reason;
  const source = isRecord(r.source) ? str(r.source.name) || str(r.source.id) : undefined;
  const where = r.path ? ` @ ${r.path}` : source ? ` @ node ${source}` : '';
  const file = fileOf(msg);
  const line = `${r.code}: ${r.message}${where}${file ? `, ${file}` : ''}`.replace(/[\r\n\t]+/g, ' ');
  return line.length > SUMMARY_MAX ? `${line.slice(0, SUMMARY_MAX - 1)}…` : line;
}
