import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { messageDatasetLabel } from '../common/dataset-node';
import { countRejected } from '../common/pipeline-metrics';
import { StatusCounter } from '../common/status';
import { validateWnm, type EtsReport } from '../lib/wnm';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface ValidatorDef extends NodeDef {
  warnings: string;
}

interface ValidatedMessage extends NodeMessageInFlow {
  report?: EtsReport;
  wis2?: unknown;
}

export = function register(RED: NodeAPI): void {
  function WnmValidatorNode(this: Node, saved: ValidatorDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    // "invalid": a WARNING (a broken recommendation) sends the message to the invalid output too.
    const strict = def.warnings === 'invalid';
    const status = new StatusCounter(this, ['valid', 'invalid'] as const, (c, last) => ({
      fill: last === 'valid' ? 'green' : 'red',
      shape: 'dot',
      text: RED._('wis2-wnm-validator.status.counts', { valid: c.valid, invalid: c.invalid }),
    }));

    this.on('input', (msg: ValidatedMessage, send, done) => {
      try {
        const report = validateWnm(msg.payload);
        const { summary } = report['ets-report'];
        const valid = summary.FAILED === 0 && (!strict || summary.WARNING === 0);
        msg.report = report;
        send(valid ? [msg, null] : [null, msg]);
        if (!valid) countRejected(messageDatasetLabel(RED, msg.wis2), { stage: 'wnm', code: 'validation.failed' });
        status.count(valid ? 'valid' : 'invalid');
        done();
      } catch (err) {
        // The suite reports every problem of the message itself; reaching here is a defect.
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });
    this.on('close', () => { status.stop(); });
  }
  RED.nodes.registerType('wis2-wnm-validator', WnmValidatorNode);
};
