import fs from 'node:fs';

/** sysexits(3) codes: kept apart from the counts some commands return as their exit code. */
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_NOINPUT = 66;

/** What a command may touch of the outside world, so tests can run commands in-process. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  readFile(file: string): Buffer;
  env: NodeJS.ProcessEnv;
  /**
   * Calls `listener` when the user asks a long-running command to stop (SIGINT, SIGTERM), so it
   * can still report what it did; returns a function that stops listening. Where it is absent
   * the command is simply killed.
   */
  onStop?(listener: () => void): () => void;
}

export interface CommandModule {
  run(args: string[], io: CommandIo): Promise<number>;
}

export const processIo: CommandIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  // "-" reads standard input, so commands compose in pipelines
  readFile: (file) => fs.readFileSync(file === '-' ? 0 : file),
  env: process.env,
  onStop: (listener) => {
    // once: a second Ctrl-C falls back to the default and kills a command that hangs
    const handler = (): void => {
      listener();
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
};

/** Collects a command's output in memory; used by the CLI tests. `stop()` plays a SIGINT. */
export function memoryIo(files: Record<string, string | Buffer> = {}): CommandIo & { stdout: string[]; stderr: string[]; stop(): void } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stopListeners = new Set<() => void>();
  return {
    stdout,
    stderr,
    stop: () => {
      for (const listener of [...stopListeners]) listener();
    },
    onStop: (listener) => {
      stopListeners.add(listener);
      return () => stopListeners.delete(listener);
    },
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    readFile: (file) => {
      const content = Object.hasOwn(files, file) ? files[file] : undefined;
      return content === undefined ? fs.readFileSync(file) : Buffer.from(content);
    },
    env: {},
  };
}
