/**
 * What every `wis2` command shares: its command line (usage errors, number options, --help) and
 * the lines it prints (errors, fields, rounded figures).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EX_USAGE, type CommandIo } from './io';

export class UsageError extends Error {}

export const HELP_OPTION = {
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The options of a command that takes no positional argument; `usage` when --help is asked
 * (the caller then exits 0 with the number this returns).
 */
export function readOptions<O extends Options>(args: string[], options: O, usage: string, io: CommandIo) {
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  if ((values as { help?: unknown }).help === true) {
    io.out(usage);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  return values;
}

/** A number option: a finite number within bounds, an integer when asked. */
export function numberOption(name: string, raw: string | undefined, fallback: number, rule: { min: number; max?: number; integer?: boolean }): number {
  if (raw === undefined) return fallback;
  const value = raw.trim() === '' ? NaN : Number(raw);
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isFinite(value) || value < rule.min || value > max || (rule.integer === true && !Number.isInteger(value))) {
    const what = rule.integer === true ? 'an integer' : 'a number';
    throw new UsageError(`--${name} must be ${what} from ${rule.min}${rule.max === undefined ? '' : ` to ${rule.max}`}, got "${raw}"`);
  }
  return value;
}

/** `--count N`: absent is no bound. */
export function countOption(raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : numberOption('count', raw, 0, { min: 1, integer: true });
}

/** `--timeout S` in milliseconds: absent is no bound. */
export function timeoutOption(raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : numberOption('timeout', raw, 0, { min: 0.001, max: 31_536_000 }) * 1000;
}

/** A wrong command line: ours, or parseArgs refusing an unknown option or a missing value. */
export function isUsageError(err: unknown): err is Error {
  if (err instanceof UsageError) return true;
  const code = err instanceof TypeError ? (err as NodeJS.ErrnoException).code : undefined;
  return code?.startsWith('ERR_PARSE_ARGS') === true;
}

/** An error a command reports as such, with its own exit code (unreadable input...). */
export class InputError extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The `run` of a command that reads its settings first: a wrong command line prints the usage
 * and exits 64, an `InputError` is one error line and its exit code; `read` may also answer
 * with an exit code (--help).
 */
export async function runCommand<S>(group: string, usage: string, io: CommandIo, read: () => S | number, action: (s: S) => Promise<number>): Promise<number> {
  let s: S | number;
  try {
    s = read();
  } catch (err) {
    if (isUsageError(err)) {
      io.err(`wis2 ${group}: ${err.message}\n${usage}`);
      return EX_USAGE;
    }
    if (err instanceof InputError) {
      io.err(errorLine(err.code, err.message));
      return err.exitCode;
    }
    throw err;
  }
  return typeof s === 'number' ? s : action(s);
}

/**
 * The `run` of a command that reads its options as it goes: a wrong command line prints the
 * usage and exits 64, any other error is one `<group>.failed` line and exit 1.
 */
export async function runMain(group: string, usage: string, io: CommandIo, main: () => Promise<number>): Promise<number> {
  try {
    return await main();
  } catch (err) {
    if (isUsageError(err)) {
      io.err(`wis2 ${group}: ${err.message}\n${usage}`);
      return EX_USAGE;
    }
    io.err(errorLine(`${group}.failed`, errorMessage(err)));
    return 1;
  }
}

/** The message of what was thrown, whatever it is. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The message of a network error: the first cause of an aggregate, the class of a silent one. */
export function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return errorText(err.errors[0]);
  return err instanceof Error ? err.message || err.constructor.name : String(err);
}

export function errorLine(code: string, message: string): string {
  return JSON.stringify({ error: { code, message, path: '' } });
}

export function warningLine(code: string, message: string): string {
  return JSON.stringify({ warning: { code, message } });
}

/** Prints a topic or id on a space-separated line: as is when it is plain, JSON-quoted otherwise. */
export function field(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '-';
  const text = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return /^[\x21-\x7e]+$/.test(text) ? text : JSON.stringify(text);
}

export function rounded(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Aborted when the user asks the command to stop; `release` stops listening. */
export function stopSignal(io: CommandIo): { signal: AbortSignal; release(): void } {
  const stop = new AbortController();
  const unlisten = io.onStop?.(() => {
    stop.abort(new Error('stopped'));
  });
  return {
    signal: stop.signal,
    release: () => {
      unlisten?.();
    },
  };
}

export type StopReason = 'count' | 'timeout' | 'signal';

/** How a listening command ends: the first of --count reached, --timeout elapsed or a stop request. */
export class Stopper {
  private reason: StopReason | undefined;
  private wake: () => void = () => undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly finished = new Promise<void>((resolve) => (this.wake = resolve));

  // a call, not a property: the reason changes in callbacks while the command awaits
  stoppedBy(): StopReason | undefined {
    return this.reason;
  }

  stop(why: StopReason): void {
    if (this.reason !== undefined) return;
    this.reason = why;
    this.wake();
  }

  /** Stops after `timeoutMs`, when there is one. */
  startTimer(timeoutMs: number | undefined): void {
    if (timeoutMs === undefined) return;
    this.timer = setTimeout(() => {
      this.stop('timeout');
    }, timeoutMs);
  }

  clearTimer(): void {
    clearTimeout(this.timer);
  }
}
