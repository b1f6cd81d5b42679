import fs from 'node:fs';

/** sysexits(3) codes: kept apart from the counts some commands return as their exit code. */
export const EX_USAGE = 64;
export const EX_NOINPUT = 66;

/** What a command may touch of the outside world, so tests can run commands in-process. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  readFile(file: string): Buffer;
  env: NodeJS.ProcessEnv;
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
};

/** Collects a command's output in memory; used by the CLI tests. */
export function memoryIo(files: Record<string, string | Buffer> = {}): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    readFile: (file) => {
      const content = files[file];
      if (content !== undefined) return Buffer.from(content);
      return fs.readFileSync(file);
    },
    env: {},
  };
}
