import type { NodeAPI } from 'node-red';
import { ACK_PROPERTY, InFlight, type Place } from '../lib/reliability/inflight';

/**
 * Which received messages are finished, as Node-RED itself sees them. A reliable input keeps a
 * message in its journal until every copy of it has ended in some node of the flow: ours (WIS2
 * publish and dead letter strip the key once the copy is safe in their outbox) or any other
 * (a switch that drops it, a debug, a function that returns nothing, a join still waiting...).
 * The runtime's message hooks say where each copy goes and when a node is done with it; messages
 * carry a plain key (msg._wis2ack), which survives Node-RED's message cloning.
 */
export { ACK_PROPERTY };

const HOOK_LABEL = 'wis2-inflight';

/**
 * The registry of the runtime whose message hooks feed it, shared by its reliable inputs: an
 * entry is opened by the input that received the message and settled by the hooks alone.
 */
const registries = new WeakMap<object, InFlight>();

export function settleRegistry(hooks: NodeAPI['hooks']): InFlight {
  let registry = registries.get(hooks);
  if (!registry) {
    registry = new InFlight();
    registries.set(hooks, registry);
  }
  return registry;
}

interface HookMessage {
  [ACK_PROPERTY]?: unknown;
}

interface RuntimeNode {
  id: string;
  type: string;
  name?: string;
  /** Node-RED's count of input handlers that take `done` (0: the node never calls it) */
  _expectedDoneCount?: number;
}

interface SendEvent {
  msg: HookMessage;
  source?: { id?: string };
}

interface ReceiveEvent {
  msg: HookMessage;
  destination: { id: string; node?: RuntimeNode };
}

interface CompleteEvent {
  msg: HookMessage;
}

function keyOf(msg: HookMessage | undefined): string | undefined {
  const key = msg?.[ACK_PROPERTY];
  return typeof key === 'string' ? key : undefined;
}

function placeOf(event: ReceiveEvent): Place {
  const node = event.destination.node;
  const place: Place = { id: event.destination.id, type: node?.type ?? 'unknown' };
  if (node?.name) place.name = node.name;
  return place;
}

/**
 * Registers the hooks that feed a runtime's settle registry, once per runtime (again after a
 * restart of the runtime in the same process, as the test helper does). Each hook takes one argument and returns nothing, so the
 * runtime runs it synchronously, inside the send, receive or done it describes.
 */
export function installHooks(RED: NodeAPI): InFlight {
  // Node-RED has had message hooks since 2.0; the package needs 4.1 or newer
  if (typeof (RED.hooks as Partial<NodeAPI['hooks']> | undefined)?.add !== 'function') throw new Error('this Node-RED runtime has no message hooks: node-red-contrib-wis2 needs Node-RED 4.1 or newer');
  const inFlight = settleRegistry(RED.hooks);
  RED.hooks.remove(`*.${HOOK_LABEL}`);
  RED.hooks.add(`preDeliver.${HOOK_LABEL}`, (event: SendEvent) => {
    const key = keyOf(event.msg);
    if (key !== undefined) inFlight.delivering(key, event.msg, event.source?.id);
  });
  RED.hooks.add(`onReceive.${HOOK_LABEL}`, (event: ReceiveEvent) => {
    const key = keyOf(event.msg);
    if (key === undefined) return;
    // a node without the field (an older or newer runtime) is trusted to call done()
    const reportsDone = (event.destination.node?._expectedDoneCount ?? 1) > 0;
    inFlight.received(key, event.msg, placeOf(event), reportsDone);
  });
  RED.hooks.add(`onComplete.${HOOK_LABEL}`, (event: CompleteEvent) => {
    const key = keyOf(event.msg);
    if (key !== undefined) inFlight.completed(key);
  });
  return inFlight;
}

/**
 * What a node sends on once its copy is safe in an outbox: the same message without the key, so
 * that a user's node after WIS2 publish may keep it as long as it likes without holding the
 * input back. The copy itself ends when the node calls done() with it.
 */
export function detached<T extends object>(msg: T): T {
  if (!(ACK_PROPERTY in msg)) return msg;
  const out = { ...msg } as T & HookMessage;
  // the key is a fixed name, not data from the message
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
  delete out[ACK_PROPERTY];
  return out;
}
