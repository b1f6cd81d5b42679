import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { StatusCounter } from '../common/status';
import { deadLetter } from '../lib/dead-letter';

interface DeadLetterDef extends NodeDef {
  topic: string;
}

interface OutMessage extends NodeMessageInFlow {
  qos?: number;
  retain?: boolean;
  deadLetter?: unknown;
}

export = function register(RED: NodeAPI): void {
  function Wis2DeadLetterNode(this: Node, def: DeadLetterDef): void {
    RED.nodes.createNode(this, def);
    const topic = (def.topic || '').trim();
    const status = new StatusCounter(this, ['letters'] as const, (c) => ({
      fill: 'yellow',
      shape: 'dot',
      text: RED._('wis2-dead-letter.status.count', { count: c.letters }),
    }));

    this.on('input', (msg: OutMessage, send, done) => {
      try {
        const record = deadLetter(msg);
        // the record travels as bytes, so mqtt out publishes exactly what was built here
        msg.deadLetter = record;
        msg.payload = Buffer.from(JSON.stringify(record), 'utf8');
        if (topic) msg.topic = topic;
        msg.qos = 1;
        msg.retain = false;
        send(msg);
        status.count('letters');
        done();
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });
    this.on('close', () => { status.stop(); });
  }
  RED.nodes.registerType('wis2-dead-letter', Wis2DeadLetterNode);
};
