import type { NodeMessage } from 'node-red';
import type { ErrorDetail } from '../lib/core/errors';
import { safeStringify } from '../lib/intake';

/** A message on a node's reject output: the original payload and a machine-readable error. */
export interface RejectedMessage extends NodeMessage {
  error: ErrorDetail;
}

/**
 * Turns the incoming message into a reject. The payload stays the original, except when it is
 * a structure nested too deep for Node-RED to clone (lodash cloneDeep overflows the stack well
 * before JSON.parse does): it then travels as its JSON text, so nothing of it is lost.
 */
export function rejectMessage(msg: NodeMessage, error: ErrorDetail): RejectedMessage {
  const out = msg as RejectedMessage;
  if (error.code === 'intake.too_deep' && typeof msg.payload === 'object' && msg.payload !== null && !Buffer.isBuffer(msg.payload)) {
    try {
      out.payload = safeStringify(msg.payload);
    } catch {
      out.payload = '[payload could not be serialised]';
    }
  }
  out.error = error;
  return out;
}
