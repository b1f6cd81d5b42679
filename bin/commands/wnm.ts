import { parseArgs, type ParseArgsConfig } from 'node:util';
import { allWarnings, convertEvent, type ConvertOptions } from '../../nodes/lib/publish/convert';
import { resolveDataset, type DatasetConfig } from '../../nodes/lib/dataset';
import { Wis2Error, describeError } from '../../nodes/lib/core/errors';
import { validateWnm, type Operation } from '../../nodes/lib/wnm';
import { EX_NOINPUT, EX_USAGE, type CommandIo } from '../cli/io';

const USAGE = `usage:
  wis2 wnm build EVENT_FILE --centre-id ID --topic TOPIC --metadata-id ID
                 [--base-url URL] [--path-pattern RE|argo] [--data-id-template T]
                 [--schemes https,ftp] [--no-cache] [--integrity optional|required]
                 [--operation canonical|update|deletion] [--inline FILE] [--max-bytes N]
      turns a CloudEvent file (JSON, "-" for standard input) into WIS2 notification messages:
      one per line on stdout, exit 0, and on stderr one JSON line {"warning":{"code","message","path"}}
      for each thing of the event that was ignored or repaired; a refused event: exit 1 and one
      JSON line {"error":{"code","message","path","stage"}} on stderr
  wis2 wnm validate FILE
      runs the WNM test suite on FILE ("-" for standard input) and prints the report as JSON;
      the exit code is the number of FAILED tests`;

const BUILD_OPTIONS = {
  'centre-id': { type: 'string' },
  topic: { type: 'string' },
  'metadata-id': { type: 'string' },
  'base-url': { type: 'string' },
  'path-pattern': { type: 'string' },
  'data-id-template': { type: 'string' },
  schemes: { type: 'string' },
  'no-cache': { type: 'boolean' },
  integrity: { type: 'string' },
  operation: { type: 'string' },
  inline: { type: 'string' },
  'max-bytes': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

function errorLine(err: unknown): string {
  return JSON.stringify({ error: describeError(err, 'config') });
}

function read(io: CommandIo, file: string): Buffer | undefined {
  try {
    return io.readFile(file);
  } catch (err) {
    io.err(JSON.stringify({ error: { code: 'cli.unreadable', message: `cannot read ${file}: ${(err as Error).message}`, path: '' } }));
    return undefined;
  }
}

function parseBuild(args: string[]) {
  return parseArgs({ args, options: BUILD_OPTIONS, allowPositionals: true, strict: true });
}

type BuildValues = ReturnType<typeof parseBuild>['values'];

/** What is wrong with the command line of `wnm build`, if anything. */
function buildUsageError(values: BuildValues, positionals: readonly string[]): string | undefined {
  const extra = positionals.slice(1);
  const missing = (['centre-id', 'topic', 'metadata-id'] as const).filter((k) => !values[k]);
  if (positionals.length === 0) return 'EVENT_FILE is required';
  if (extra.length > 0) return 'one EVENT_FILE only';
  if (missing.length > 0) return `missing --${missing.join(', --')}`;
  const operation = values.operation;
  if (operation !== undefined && !['canonical', 'update', 'deletion'].includes(operation)) return '--operation is canonical, update or deletion';
  return undefined;
}

function datasetConfig(values: BuildValues): DatasetConfig {
  const config: DatasetConfig = {
    centreId: values['centre-id'] ?? '',
    topic: values.topic ?? '',
    metadataId: values['metadata-id'] ?? '',
    cache: !values['no-cache'],
  };
  if (values['base-url']) config.baseUrl = values['base-url'];
  if (values['path-pattern']) config.pathPattern = values['path-pattern'];
  if (values['data-id-template']) config.dataIdTemplate = values['data-id-template'];
  if (values.schemes) config.schemes = values.schemes.split(',').map((s) => s.trim());
  if (values.integrity) config.integrity = values.integrity as DatasetConfig['integrity'];
  return config;
}

/** The conversion options; undefined when the --inline file cannot be read (said on stderr). */
function convertOptions(values: BuildValues, io: CommandIo): ConvertOptions | undefined {
  const options: ConvertOptions = {};
  if (values.operation) options.operation = values.operation as Operation;
  if (values['max-bytes']) options.limits = { maxBytes: Number(values['max-bytes']) };
  if (values.inline) {
    const bytes = read(io, values.inline);
    if (!bytes) return undefined;
    options.inline = bytes;
  }
  return options;
}

function build(args: string[], io: CommandIo): number {
  const { values, positionals } = parseBuild(args);
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const wrong = buildUsageError(values, positionals);
  if (wrong !== undefined) {
    io.err(`wis2 wnm build: ${wrong}\n${USAGE}`);
    return EX_USAGE;
  }
  const config = datasetConfig(values);
  const event = read(io, positionals[0] ?? '');
  if (!event) return EX_NOINPUT;
  const options = convertOptions(values, io);
  if (!options) return EX_NOINPUT;
  try {
    const result = convertEvent({ payload: event }, resolveDataset(config), options);
    for (const n of result.notifications) io.out(JSON.stringify(n.message));
    // what was ignored or repaired in the event, each once, however many files it announces
    for (const w of allWarnings(result)) io.err(JSON.stringify({ warning: w }));
    return 0;
  } catch (err) {
    if (!(err instanceof Wis2Error)) throw err;
    io.err(errorLine(err));
    return 1;
  }
}

function validate(args: string[], io: CommandIo): number {
  const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const file = positionals.at(0);
  if (positionals.length !== 1 || file === undefined) {
    io.err(`wis2 wnm validate: one FILE is required\n${USAGE}`);
    return EX_USAGE;
  }
  const bytes = read(io, file);
  if (!bytes) return EX_NOINPUT;
  const report = validateWnm(bytes);
  io.out(JSON.stringify(report, null, 2));
  return report['ets-report'].summary.FAILED;
}

export function run(args: string[], io: CommandIo): Promise<number> {
  const command = args.at(0);
  const rest = args.slice(1);
  try {
    if (command === 'build') return Promise.resolve(build(rest, io));
    if (command === 'validate') return Promise.resolve(validate(rest, io));
  } catch (err) {
    // parseArgs refuses unknown options and missing values with a TypeError
    if (err instanceof TypeError) {
      io.err(`wis2 wnm ${command ?? ''}: ${err.message}\n${USAGE}`);
      return Promise.resolve(EX_USAGE);
    }
    throw err;
  }
  if (command === undefined || command === '--help' || command === '-h') {
    io.out(USAGE);
    return Promise.resolve(command === undefined ? EX_USAGE : 0);
  }
  io.err(`wis2 wnm: unknown command "${command}"\n${USAGE}`);
  return Promise.resolve(EX_USAGE);
}
