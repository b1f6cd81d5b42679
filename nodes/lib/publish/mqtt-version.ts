/**
 * Which MQTT version to speak to a broker. MQTT 5 matters to the pipeline: a broker refuses a
 * publication it will not accept (ACL, topic) with a reason code, where MQTT 3.1.1 acknowledges
 * it and drops it, so a notification would count as sent and be lost. `auto` asks for 5 and goes
 * back to 3.1.1 only for a broker that refuses 5 (aedes 1.x, brokers older than 2019).
 */
export type ProtocolSetting = '4' | '5' | 'auto';

export function protocolSetting(value: unknown): ProtocolSetting {
  const v = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (v === '5' || v === 'auto') return v;
  // a flow written before MQTT 5 was offered keeps 3.1.1
  return '4';
}

/**
 * MQTT 5 §3.1.2.11.2: 0xFFFFFFFF means the session does not expire. Under MQTT 5 an absent
 * session expiry ends the session with the connection, which would silently turn a persistent
 * session (clean session off, as the input uses) into a clean one; the broker may still cap it
 * (Mosquitto's persistent_client_expiration).
 */
export const SESSION_NEVER_EXPIRES = 0xffffffff;

/** The Session Expiry Interval to send under MQTT 5, or undefined for none. */
export function sessionExpiryFor(clean: boolean, configured: number | undefined): number | undefined {
  if (configured !== undefined && configured > 0) return Math.min(configured, SESSION_NEVER_EXPIRES);
  return clean ? undefined : SESSION_NEVER_EXPIRES;
}

/** CONNACK codes of a broker that does not speak the version asked: 3.1.1 (1) and 5 (132). */
const UNSUPPORTED_VERSION = new Set([1, 132]);

export function isVersionRefusal(error: Error & { code?: unknown }): boolean {
  return typeof error.code === 'number' && UNSUPPORTED_VERSION.has(error.code);
}

/**
 * Connections closed after a CONNECT and before any CONNACK, in a row, that make a broker count
 * as refusing MQTT 5. One could be a network accident: falling back for it would lose the
 * reason codes for the life of the connection.
 */
export const SILENT_CLOSES_BEFORE_FALLBACK = 2;

/** What the watcher needs of an mqtt.js client. */
export interface VersionedClient {
  readonly connected: boolean;
  options: { protocolVersion?: number; properties?: object };
  on(event: 'error', listener: (error: Error & { code?: unknown }) => void): unknown;
  on(event: 'packetsend' | 'packetreceive', listener: (packet: { cmd: string }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  reconnect(opts?: { incomingStore?: unknown; outgoingStore?: unknown }): unknown;
  incomingStore?: unknown;
  outgoingStore?: unknown;
}

/**
 * Watches a client connecting with MQTT 5 and, when the broker refuses that version (a CONNACK
 * saying so, or connections closed before any CONNACK), reconnects the same client with 3.1.1
 * for good and calls `onFallback` once with the reason. Returns whether the fallback happened.
 */
export function fallBackWhenRefused(client: VersionedClient, onFallback: (reason: string) => void): () => boolean {
  let fellBack = false;
  // mqtt.connect() has written the first CONNECT already when this is called
  let connectSent = !client.connected;
  // a broker away (ECONNREFUSED, ENOTFOUND…) is no refusal: such a close does not count
  let networkError = false;
  let silentCloses = 0;
  // set when a refusing CONNACK left reconnecting to us
  let reconnectOnClose = false;
  const fallBack = (reason: string, reconnect: boolean): void => {
    if (fellBack || client.options.protocolVersion !== 5) return;
    fellBack = true;
    client.options.protocolVersion = 4;
    // MQTT 5 properties (session expiry…) have no place in a 3.1.1 CONNECT
    delete client.options.properties;
    onFallback(reason);
    // mqtt.js does not reconnect after a refusing CONNACK (it does after a mere close). Not
    // before the refused connection has closed: its late 'close' would otherwise schedule a
    // reconnection that ends the new connection and closes the stores it still uses.
    reconnectOnClose = reconnect;
  };
  client.on('packetsend', (packet) => {
    if (packet.cmd === 'connect') connectSent = true;
  });
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'connack') {
      connectSent = false;
      silentCloses = 0;
    }
  });
  client.on('error', (error) => {
    if (isVersionRefusal(error)) fallBack(`${error.message} (code ${String(error.code)})`, true);
    else if (typeof error.code === 'string') networkError = true;
  });
  client.on('close', () => {
    if (reconnectOnClose) {
      reconnectOnClose = false;
      connectSent = false;
      networkError = false;
      setImmediate(() => {
        client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
      });
      return;
    }
    const sent = connectSent;
    const away = networkError;
    connectSent = false;
    networkError = false;
    if (!sent) return;
    if (away) {
      silentCloses = 0;
      return;
    }
    silentCloses++;
    if (silentCloses >= SILENT_CLOSES_BEFORE_FALLBACK) fallBack(`the connection closed ${silentCloses} times after an MQTT 5 CONNECT, before any CONNACK`, false);
  });
  return () => fellBack;
}
