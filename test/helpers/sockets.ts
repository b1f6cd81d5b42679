/** The socket's own `_writev`, as a property: called with the socket for `this`. */
type Writev = (this: unknown, chunks: { chunk: unknown }[], callback: (error?: Error | null) => void) => void;

/**
 * Wraps a socket's own `_writev` (before anything else wraps it) to record, for each call, the
 * byte length of each piece it hands on (-1 for a string).
 */
export function recordWritev(socket: unknown): number[][] {
  const calls: number[][] = [];
  const hooks = socket as { _writev: Writev };
  const own = hooks._writev;
  hooks._writev = function (chunks, callback) {
    calls.push(chunks.map((c) => (typeof c.chunk === 'string' ? -1 : (c.chunk as Uint8Array).byteLength)));
    own.call(this, chunks, callback);
  };
  return calls;
}
