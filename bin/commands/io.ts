import fs from 'node:fs';

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
  readFile: (file) => fs.readFileSync(file),
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
