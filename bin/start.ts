#!/usr/bin/env node
/**
 * `npm start`: the pipeline from this checkout. Editor on http://127.0.0.1:1880 (NODE_RED_HOST,
 * NODE_RED_PORT); brokers from MQTT_URL and WIS2_MQTT_URL, or an embedded one on MQTT_PORT.
 */
import path from 'node:path';
import { packageRoot } from './commands/flows';
import { PortInUse, checkPortFree, startEmbeddedBroker, startRuntime, type EmbeddedBroker } from './launch';

async function main(): Promise<number> {
  const env = { ...process.env };
  const host = env.NODE_RED_HOST || '127.0.0.1';
  const port = Number(env.NODE_RED_PORT || 1880);
  const userDir = env.WIS2_USER_DIR || path.join(packageRoot, '.node-red');
  await checkPortFree(port, host, 'set NODE_RED_PORT to a free port');

  let broker: EmbeddedBroker | undefined;
  if (!env.MQTT_URL && !env.WIS2_MQTT_URL) {
    broker = await startEmbeddedBroker(Number(env.MQTT_PORT || 1883), env.MQTT_HOST || '127.0.0.1');
    env.MQTT_URL = broker.url;
    console.log(`embedded MQTT broker on ${broker.url}: file events in, WIS2 notifications out (MQTT 3.1.1 only: the flows ask for MQTT 5, fall back and say so; a broker that speaks 5, set in MQTT_URL, reports refused publications)`);
  } else if (!env.MQTT_URL) {
    console.error('wis2: WIS2_MQTT_URL is set but MQTT_URL is not: set MQTT_URL to the broker the file events arrive on');
    return 1;
  }
  const runtime = await startRuntime({ userDir, host, port, env, quiet: false });
  console.log(`\nNode-RED editor: ${runtime.url}  (flows in ${path.join(userDir, 'flows.json')}; delete it to start again from the shipped flows)`);
  console.log(`input broker ${env.MQTT_URL}, WIS2 broker ${env.WIS2_MQTT_URL || env.MQTT_URL}; Ctrl-C stops`);

  return new Promise((resolve) => {
    const stop = (): void => {
      void runtime.stop().then(async () => {
        await broker?.close();
        resolve(0);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    runtime.child.once('exit', (code) => {
      void broker?.close().then(() => { resolve(code ?? 1); });
    });
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`wis2: ${err instanceof PortInUse ? err.message : err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
