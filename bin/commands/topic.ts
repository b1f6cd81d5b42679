/**
 * `wis2 topic`: checks topics against the WIS2 Topic Hierarchy and lists its levels.
 * Exit codes: 0 valid / listed, 1 invalid topic or prefix, EX_USAGE on a usage error.
 */
import { parseArgs } from 'node:util';
import { EX_USAGE, type CommandIo } from '../cli/io';
import { WTH_SNAPSHOT, describeChildren, validateTopic, type TopicCheck, type TopicProblem } from '../../nodes/lib/wth';

const USAGE = `usage: wis2 topic <command> [options]

commands:
  validate TOPIC [--subscription] [--allow-cache] [--json]
                 check TOPIC against the WIS2 Topic Hierarchy, as a publication topic
                 (default) or as a subscription filter (--subscription: "+" and a final "#"
                 allowed, channels origin, cache and monitor)
  list [PREFIX]  list the values allowed one level below PREFIX (channels when omitted)

options:
  --subscription  validate an MQTT subscription filter instead of a publication topic
  --allow-cache   accept the cache channel for a publication topic (Global Cache)
  --json          print the full check as JSON on stdout
  -h, --help      show this help

exit codes: 0 valid, 1 invalid (reasons and suggestions on stderr), ${EX_USAGE} usage error`;

function footer(): string {
  return `codelists: ${WTH_SNAPSHOT.standard} ${WTH_SNAPSHOT.version}, bundle of ${WTH_SNAPSHOT.bundleDate}`;
}

function describeProblem(kind: 'error' | 'warning', p: TopicProblem): string[] {
  const where = p.level === undefined ? '' : ` (level ${p.level})`;
  const lines = [`${kind} ${p.code}${where}: ${p.message}`];
  if (p.suggestion !== undefined) lines.push(`  ${p.suggestion}`);
  return lines;
}

function summary(check: TopicCheck): string {
  const facts: string[] = [];
  if (check.channel !== undefined) facts.push(`channel ${check.channel}`);
  if (check.centreId !== undefined) facts.push(`centre ${check.centreId}${check.centreStatus === undefined ? '' : ` (${check.centreStatus})`}`);
  if (check.notificationType !== undefined) facts.push(check.notificationType);
  if (check.dataPolicy !== undefined) facts.push(check.dataPolicy);
  if (check.discipline !== undefined) facts.push(check.discipline);
  if (check.experimental === true) facts.push('experimental');
  if (check.leaf === true) facts.push('leaf');
  return `valid ${check.mode} topic: ${check.topic}${facts.length > 0 ? ` [${facts.join(', ')}]` : ''}`;
}

function usageError(io: CommandIo, message: string): number {
  io.err(`wis2 topic: ${message}\n${USAGE}`);
  return EX_USAGE;
}

function validate(args: string[], io: CommandIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        subscription: { type: 'boolean' },
        'allow-cache': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    return usageError(io, positionals.length === 0 ? 'validate needs a TOPIC' : `validate takes one TOPIC, got ${positionals.length}`);
  }
  const [topic = ''] = positionals;
  const check = validateTopic(topic, {
    mode: values.subscription === true ? 'subscription' : 'publication',
    allowCache: values['allow-cache'] === true,
  });
  if (values.json === true) io.out(JSON.stringify(check, null, 2));
  else if (check.valid) io.out(summary(check));
  const report = problems(check);
  if (report.length > 0) io.err(report.join('\n'));
  return check.valid ? 0 : 1;
}

/** The lines stderr gets: the errors and warnings, and for an invalid topic a heading, the suggestion and the codelists. */
function problems(check: TopicCheck): string[] {
  const report: string[] = [];
  for (const e of check.errors) report.push(...describeProblem('error', e));
  for (const w of check.warnings) report.push(...describeProblem('warning', w));
  if (!check.valid) {
    report.unshift(`invalid ${check.mode} topic: ${JSON.stringify(check.topic)}`);
    if (check.suggestedTopic !== undefined) report.push(`did you mean: ${check.suggestedTopic}`);
    report.push(footer());
  }
  return report;
}

function list(args: string[], io: CommandIo): number {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  if (parsed.values.help === true) {
    io.out(USAGE);
    return 0;
  }
  if (parsed.positionals.length > 1) return usageError(io, `list takes at most one PREFIX, got ${parsed.positionals.length}`);
  const [prefix = ''] = parsed.positionals;
  if (/(^|\/)[+#](\/|$)/.test(prefix)) return usageError(io, 'list takes a topic prefix without wildcards');
  const { children, reason } = describeChildren(prefix);
  for (const child of children) io.out(child);
  switch (reason) {
    case undefined:
      return 0;
    case 'leaf':
      io.err(`${prefix} is a leaf topic: nothing below it`);
      return 0;
    case 'metadata':
      io.err(`${prefix} is a metadata topic: nothing below it`);
      return 0;
    case 'experimental':
      io.err(`below ${prefix} publishers choose their own sub-topics`);
      return 0;
    case 'unknown': {
      const check = validateTopic(prefix, { mode: 'subscription' });
      const report = [`not a topic of the hierarchy: ${JSON.stringify(prefix)}`];
      for (const e of check.errors) report.push(...describeProblem('error', e));
      if (check.suggestedTopic !== undefined) report.push(`did you mean: ${check.suggestedTopic}`);
      io.err(report.join('\n'));
      return 1;
    }
  }
}

/** Entry point of the `topic` group. */
export function run(args: string[], io: CommandIo): Promise<number> {
  const command = args.at(0);
  const rest = args.slice(1);
  switch (command) {
    case 'validate':
      return Promise.resolve(validate(rest, io));
    case 'list':
      return Promise.resolve(list(rest, io));
    case '--help':
    case '-h':
      io.out(USAGE);
      return Promise.resolve(0);
    case undefined:
      return Promise.resolve(usageError(io, 'missing command'));
    default:
      return Promise.resolve(usageError(io, `unknown command ${JSON.stringify(command)}`));
  }
}
