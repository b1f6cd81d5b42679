import fs from 'node:fs';
import readline from 'node:readline';

/**
 * The values of a JSON-lines file, in order, for readers that do not take the writer's lock: a
 * line that does not parse (the torn last line of a file being written) is skipped.
 */
export async function* readJsonLines(file: string): AsyncGenerator {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    try {
      yield JSON.parse(line) as unknown;
    } catch {
      continue;
    }
  }
}
