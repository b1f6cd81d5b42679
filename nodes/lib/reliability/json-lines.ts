import fs from 'node:fs';

const NEWLINE = 0x0a;

/**
 * The values of a JSON-lines file, in order, for readers that do not take the writer's lock: a
 * line that does not parse (the torn last line of a file being written) is skipped. Lines end at
 * "\n" alone, as the writers end them: node:readline also ends them at U+2028 and U+2029, which
 * JSON text holds unescaped, and would cut such a line in pieces that do not parse.
 */
export async function* readJsonLines(file: string): AsyncGenerator {
  let carry: Buffer[] = [];
  for await (const chunk of fs.createReadStream(file)) {
    const buf = chunk as Buffer;
    let from = 0;
    for (let nl = buf.indexOf(NEWLINE); nl >= 0; nl = buf.indexOf(NEWLINE, from)) {
      const line = carry.length === 0 ? buf.subarray(from, nl) : Buffer.concat([...carry, buf.subarray(from, nl)]);
      carry = [];
      from = nl + 1;
      const value = parsed(line);
      if (value !== undefined) yield value;
    }
    if (from < buf.length) carry.push(buf.subarray(from));
  }
  const last = parsed(Buffer.concat(carry));
  if (last !== undefined) yield last;
}

function parsed(line: Buffer): unknown {
  // "\r\n" endings, as readline took them
  const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
  if (end === 0) return undefined;
  try {
    return JSON.parse(line.toString('utf8', 0, end)) as unknown;
  } catch {
    return undefined;
  }
}
