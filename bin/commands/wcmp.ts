/**
 * `wis2 wcmp`: the WCMP2 test suite and KPI scoring of discovery metadata records.
 */
import { parseArgs } from 'node:util';
import { evaluateKpis, validateWcmp } from '../../nodes/lib/wcmp';
import { EX_NOINPUT, EX_USAGE, type CommandIo } from '../cli/io';

const USAGE = `usage: wis2 wcmp <command> FILE [options]

commands:
  validate FILE [--relax-centre-id]
      run the 14 WCMP2 abstract tests on FILE ("-" for standard input) and print the report as
      JSON; the exit code is the number of FAILED tests
  kpi FILE [--network] [--timeout MS]
      score FILE against the WCMP2 KPIs and print the report as JSON (exit 0); links health and
      graphic overview fetch URLs only with --network, otherwise they are "not evaluated"

options:
  --relax-centre-id  a centre id missing from the register snapshot is a WARNING, not a FAILED
  --network          allow the KPIs to fetch the record's URLs
  --timeout MS       deadline for each request with --network (default 10000)
  -h, --help         show this help

exit codes: validate: number of FAILED tests; kpi: 0; ${EX_USAGE} usage error; ${EX_NOINPUT} unreadable FILE`;

function read(io: CommandIo, file: string): Buffer | undefined {
  try {
    return io.readFile(file);
  } catch (err) {
    io.err(JSON.stringify({ error: { code: 'cli.unreadable', message: `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, path: '' } }));
    return undefined;
  }
}

function usageError(io: CommandIo, message: string): number {
  io.err(`wis2 wcmp: ${message}\n${USAGE}`);
  return EX_USAGE;
}

function validate(args: string[], io: CommandIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { 'relax-centre-id': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usageError(io, 'validate takes one FILE');
  const bytes = read(io, positionals[0]);
  if (!bytes) return EX_NOINPUT;
  const report = validateWcmp(bytes, { relaxCentreId: values['relax-centre-id'] === true });
  io.out(JSON.stringify(report, null, 2));
  return report.summary.FAILED;
}

async function kpi(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { network: { type: 'boolean' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usageError(io, 'kpi takes one FILE');
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) return usageError(io, '--timeout is a positive number of milliseconds');
  }
  const bytes = read(io, positionals[0]);
  if (!bytes) return EX_NOINPUT;
  const report = await evaluateKpis(bytes, timeoutMs === undefined ? { network: values.network === true } : { network: values.network === true, timeoutMs });
  io.out(JSON.stringify(report, null, 2));
  return 0;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const command = args.at(0);
  const rest = args.slice(1);
  try {
    if (command === 'validate') return validate(rest, io);
    if (command === 'kpi') return await kpi(rest, io);
  } catch (err) {
    // parseArgs refuses unknown options and missing values with a TypeError
    if (err instanceof TypeError) return usageError(io, `${command ?? ''}: ${err.message}`);
    throw err;
  }
  if (command === undefined || command === '--help' || command === '-h') {
    io.out(USAGE);
    return command === undefined ? EX_USAGE : 0;
  }
  return usageError(io, `unknown command "${command}"`);
}
