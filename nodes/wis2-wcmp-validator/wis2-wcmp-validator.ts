import { UNKNOWN, countRejected, pipelineMetrics } from '../common/pipeline-metrics';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { StatusCounter } from '../common/status';
import { evaluateKpis, validateWcmp, type Grade, type KpiOptions, type KpiReport, type WcmpReport } from '../lib/wcmp';
import { wholeNumber } from '../lib/core/numbers';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';
import { asError } from '../common/reject';

interface ValidatorDef extends NodeDef {
  kpi: string;
  relaxCentreId: boolean | string;
  minGrade: string;
  timeout: string | number;
}

/** Set on the invalid output when the record passes the tests but scores below the minimum grade. */
interface GradeError {
  code: 'wcmp.grade_below_minimum';
  message: string;
  path: '';
  stage: 'wcmp';
}

interface ValidatedMessage extends NodeMessageInFlow {
  report?: WcmpReport;
  kpi?: KpiReport;
  error?: GradeError;
}

type KpiMode = 'off' | 'offline' | 'network';

const GRADES: readonly Grade[] = ['A', 'B', 'C', 'D', 'E', 'F'];

function kpiMode(value: string): KpiMode {
  return value === 'offline' || value === 'network' ? value : 'off';
}

function minimumGrade(value: string): Grade | undefined {
  return GRADES.find((g) => g === value.trim().toUpperCase());
}

/**
 * A fetch that gives up when the node closes, so a redeploy never waits on slow links. Not
 * `AbortSignal.any([init.signal, closing])`: on Node.js 20, and 22 before 22.12, each signal it
 * makes leaves an entry in the long-lived `closing` signal (nodejs/node#55351), one per link
 * checked for as long as the node runs; the listeners here go when the request settles.
 */
function closableFetch(closing: AbortSignal): typeof fetch {
  return (input, init) => {
    if (closing.aborted) return Promise.reject(new Error('the node is closing'));
    const controller = new AbortController();
    const abort = (): void => { controller.abort(); };
    const inner = init?.signal;
    inner?.addEventListener('abort', abort, { once: true });
    closing.addEventListener('abort', abort, { once: true });
    if (inner?.aborted === true) controller.abort();
    return globalThis.fetch(input, { ...init, signal: controller.signal }).finally(() => {
      inner?.removeEventListener('abort', abort);
      closing.removeEventListener('abort', abort);
    });
  };
}

export = function register(RED: NodeAPI): void {
  function WcmpValidatorNode(this: Node, saved: ValidatorDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const relaxCentreId = def.relaxCentreId === true || def.relaxCentreId === 'true';
    const minGrade = minimumGrade(typeof def.minGrade === 'string' ? def.minGrade : '');
    // a minimum grade needs a grade: without KPIs configured, the offline ones give it
    const configured = kpiMode(def.kpi);
    const mode: KpiMode = configured === 'off' && minGrade !== undefined ? 'offline' : configured;
    const closing = new AbortController();
    const kpiOptions: KpiOptions = { network: mode === 'network', timeoutMs: wholeNumber(def.timeout, 1) ?? 10_000, fetch: closableFetch(closing.signal) };
    const status = new StatusCounter(this, ['valid', 'invalid'] as const, (c, last) => ({
      fill: last === 'valid' ? 'green' : 'red',
      shape: 'dot',
      text: RED._('wis2-wcmp-validator.status.counts', { valid: c.valid, invalid: c.invalid }),
    }));

    this.on('input', (msg: ValidatedMessage, send, done) => {
      let report: WcmpReport;
      try {
        report = validateWcmp(msg.payload, { relaxCentreId });
      } catch (err) {
        // The suite reports every problem of the record itself; reaching here is a defect.
        done(asError(err));
        return;
      }
      msg.report = report;
      const passed = report.summary.FAILED === 0;
      const route = (kpi: KpiReport | undefined): void => {
        let valid = passed;
        if (kpi) {
          msg.kpi = kpi;
          const { percentage } = kpi.summary;
          if (kpi.metadata_id !== null && percentage !== null) pipelineMetrics.kpi.set({ metadata_id: kpi.metadata_id }, percentage);
          const grade = kpi.summary.grade;
          if (passed && minGrade !== undefined && (grade === null || GRADES.indexOf(grade) > GRADES.indexOf(minGrade))) {
            valid = false;
            msg.error = {
              code: 'wcmp.grade_below_minimum',
              message: `the record's KPI grade is ${grade ?? 'none (nothing could be scored)'}, below the minimum grade ${minGrade}`,
              path: '',
              stage: 'wcmp',
            };
          }
        }
        send(valid ? [msg, null] : [null, msg]);
        if (!valid) countRejected(kpi?.metadata_id ?? UNKNOWN, msg.error ?? { stage: 'wcmp', code: 'validation.failed' });
        status.count(valid ? 'valid' : 'invalid');
      };
      if (mode === 'off') {
        try {
          route(undefined);
          done();
        } catch (err) {
          done(asError(err));
        }
        return;
      }
      // evaluateKpis never rejects; the guard keeps done() single even if that changed
      let finished = false;
      const finish = (err?: Error): void => {
        if (finished) return;
        finished = true;
        if (err) done(err);
        else done();
      };
      evaluateKpis(msg.payload, kpiOptions).then(
        (kpi) => {
          // once closed, the flow this message belonged to is gone: nothing is sent
          if (!closing.signal.aborted) {
            try {
              route(kpi);
            } catch (err) {
              finish(err instanceof Error ? err : new Error(String(err)));
              return;
            }
          }
          finish();
        },
        (err: unknown) => { finish(err instanceof Error ? err : new Error(String(err))); },
      );
    });
    this.on('close', () => {
      closing.abort();
      status.stop();
    });
  }
  RED.nodes.registerType('wis2-wcmp-validator', WcmpValidatorNode);
};
