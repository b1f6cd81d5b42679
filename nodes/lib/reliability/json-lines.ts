import fs from 'node:fs';

const NEWLINE = 0x0a;

/**
 * The lines of a JSON-lines file, in order, as text without their ending, empty ones left out:
 * for readers that do not take the writer's lock, and need a line's text beside its value. Lines
 * end at "\n" alone, as the writers end them: node:readline also ends them at U+2028 and U+2029,
 * which JSON text holds unescaped, and would cut such a line in pieces that do not parse.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  let carry: Buffer[] = [];
  for await (const chunk of fs.createReadStream(file)) {
    const buf = chunk as Buffer;
    let from = 0;
    for (let nl = buf.indexOf(NEWLINE); nl >= 0; nl = buf.indexOf(NEWLINE, from)) {
      const line = carry.length === 0 ? buf.subarray(from, nl) : Buffer.concat([...carry, buf.subarray(from, nl)]);
      carry = [];
      from = nl + 1;
      const text = lineText(line);
      if (text !== undefined) yield text;
    }
    if (from < buf.length) carry.push(buf.subarray(from));
  }
  const last = lineText(Buffer.concat(carry));
  if (last !== undefined) yield last;
}

/**
 * The values of a JSON-lines file, in order: a line that does not parse (the torn last line of a
 * file being written) is skipped.
 */
export async function* readJsonLines(file: string): AsyncGenerator {
  for await (const line of readLines(file)) {
    const value = parsed(line);
    if (value !== undefined) yield value;
  }
}

function lineText(line: Buffer): string | undefined {
  // "\r\n" endings, as readline took them
  const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
  return end === 0 ? undefined : line.toString('utf8', 0, end);
}

/** A line's value, or undefined when it does not parse. */
export function parsed(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
