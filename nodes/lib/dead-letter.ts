import { STRICT_UTF8, safeStringify } from './intake';

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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
  const record: DeadLetter = { time: now.toISOString(), reason: reasonOf(msg), payload: encodePayload(msg.payload) };
  if (typeof msg.topic === 'string') record.topic = msg.topic;
  return record;
}

/** Past this, a refused payload is not parsed just to name its file. */
const MAX_PARSED = 256 * 1024;

/**
 * The file a refused message was about, to name it to an operator: the data id of its
 * notification, else the CloudEvent's `subject` or `id`. Undefined when none can be told.
 */
export function concernedFile(msg: RefusedMessage & { wis2?: unknown }): string | undefined {
  if (isRecord(msg.wis2)) {
    const id = str(msg.wis2.dataId) ?? str(msg.wis2.href);
    if (id) return id;
  }
  let p = msg.payload;
  if (p instanceof Uint8Array && p.length <= MAX_PARSED) p = Buffer.from(p).toString('utf8');
  if (typeof p === 'string' && p.length <= MAX_PARSED) {
    try {
      p = JSON.parse(p) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!isRecord(p)) return undefined;
  const props = isRecord(p.properties) ? p.properties : undefined;
  // a CloudEvent's STAC Item names its files as assets
  const assets = isRecord(p.data) && isRecord(p.data.assets) ? Object.values(p.data.assets) : [];
  const asset = assets.find((a): a is Record<string, unknown> => isRecord(a) && typeof a.href === 'string');
  return str(props?.data_id) ?? str(asset?.href) ?? str(p.subject) ?? str(p.id);
}
