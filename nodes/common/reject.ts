import type { NodeMessage } from 'node-red';
import { Wis2Error, type ErrorDetail } from '../lib/core/errors';
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

/** What a thrown value becomes for `done(err)`, which Catch nodes see. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A node's reject output: which of its `outputs` it is. */
export interface RejectPort {
  outputs: number;
  index: number;
}

/** The two ends of one input: Node-RED's `send` and `done`. */
export interface InputEnds {
  send: (msgs: (NodeMessage | null)[]) => void;
  done: (err?: Error) => void;
}

/** The output array that carries `msg` on `index` alone. */
export function onOutput(port: RejectPort, msg: NodeMessage): (NodeMessage | null)[] {
  const out: (NodeMessage | null)[] = new Array<NodeMessage | null>(port.outputs).fill(null);
  out[port.index] = msg;
  return out;
}

/**
 * Ends a message with a known error: it leaves on the reject output, `counted` records it (metrics,
 * status), and the message is done. Used both for refusals found while handling it and for a node
 * that cannot work at all (its configuration error).
 */
export function reject(msg: NodeMessage, error: ErrorDetail, port: RejectPort, ends: InputEnds, counted?: (error: ErrorDetail) => void): void {
  ends.send(onOutput(port, rejectMessage(msg, error)));
  counted?.(error);
  ends.done();
}

/**
 * Ends a message whose handling threw. A Wis2Error is a refusal of the message, which leaves on
 * the reject output; anything else is a defect of ours, reported with `done(err)` so that Catch
 * nodes and the log see it, and the message does not leave.
 */
export function rejectOrFail(msg: NodeMessage, err: unknown, port: RejectPort, ends: InputEnds, counted?: (error: ErrorDetail) => void): void {
  if (!(err instanceof Wis2Error)) {
    ends.done(asError(err));
    return;
  }
  reject(msg, err.toJSON(), port, ends, counted);
}
