/**
 * Run by the crash specs as a separate process, which they SIGKILL at a random moment. It
 * writes, to a log file, a line before and after every operation on the journal or the
 * memory: a log line is one write(2) to a regular file, so what the child logged survives the
 * kill, and the parent knows exactly which operations returned and which one was cut short.
 *
 *   node crash-child.js journal <dir> <log> <round>
 *   node crash-child.js journal-turn <dir> <log> <round>
 *   node crash-child.js memory <file> <log> <round>
 */
import fs from 'node:fs';
import { Journal } from '../../../nodes/lib/reliability/journal';
import { AnnouncementMemory } from '../../../nodes/lib/reliability/memory';
import { TurnWrites } from '../../../nodes/lib/reliability/turn-writes';
import { AWKWARD, crashPayload } from './helpers';

const [mode, target, logFile, roundText] = process.argv.slice(2);
const round = Number(roundText);
const log = fs.openSync(logFile, 'a');
const say = (line: string): void => {
  fs.writeSync(log, line + '\n');
};

let seed = (round * 2654435761) >>> 0 || 7;
function random(n: number): number {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % n;
}

function ready(): void {
  if (process.send) process.send('ready');
}

if (mode === 'journal') {
  const journal = Journal.open({ dir: target, segmentBytes: 64 * 1024 });
  // entries of earlier rounds wait too: acknowledging them here mixes old and new, out of order
  const waiting = journal.unacked();
  ready();
  for (let i = 1; ; i++) {
    say(`A ${round} ${i}`);
    const seq = journal.append(crashPayload(round, i));
    say(`a ${round} ${i} ${seq}`);
    waiting.push(seq);
    const acks = waiting.length > 400 ? 2 : random(10) < 9 ? 1 : 0;
    for (let k = 0; k < acks && waiting.length > 0; k++) {
      const victim = waiting.splice(random(waiting.length), 1)[0];
      say(`K ${victim}`);
      journal.ack(victim);
      say(`k ${victim}`);
    }
    if (random(10) === 0 && waiting.length > 3) {
      // several at once, as the nodes acknowledge what finished in one turn of the event loop
      const victims = [0, 1, 2].map(() => waiting.splice(random(waiting.length), 1)[0]);
      say(`M ${victims.join(' ')}`);
      journal.ackMany(victims);
      say(`m ${victims.join(' ')}`);
    }
  }
} else if (mode === 'journal-turn') {
  // appends gathered into turns, as the runtime's are: the kill often lands in a write of many
  const turn = new TurnWrites(() => undefined);
  const journal = Journal.open({ dir: target, segmentBytes: 64 * 1024, turn });
  const waiting = journal.unacked();
  ready();
  for (let i = 1; ; ) {
    const n = 1 + random(40);
    const first = journal.append(crashPayload(round, i));
    for (let k = 1; k < n; k++) journal.append(crashPayload(round, i + k));
    // returned, not yet written: numbered first, first + 1, … for entries i, i + 1, …
    say(`B ${round} ${i} ${n} ${first}`);
    say('F');
    turn.flush();
    say('f');
    for (let k = 0; k < n; k++) waiting.push(first + k);
    i += n;
    if (waiting.length > 3) {
      // about as many as were appended, once enough wait: the journal stays within its bounds
      const count = Math.min(waiting.length, waiting.length > 50 ? n + random(3) : 1 + random(n));
      const victims = Array.from({ length: count }, () => waiting.splice(random(waiting.length), 1)[0]);
      say(`M ${victims.join(' ')}`);
      journal.ackMany(victims);
      say(`m ${victims.join(' ')}`);
    }
  }
} else if (mode === 'memory') {
  // small steps: the file is often being rewritten when the kill comes
  const memory = AnnouncementMemory.open({ file: target, rewriteStepBytes: 256 });
  ready();
  for (let i = 1; ; i++) {
    const key = `k${random(300)}${AWKWARD[random(AWKWARD.length)]}`;
    if (random(100) < 15) {
      say(JSON.stringify(['D', key]));
      memory.delete(key);
      say(JSON.stringify(['d', key]));
    } else {
      const fingerprint = `r${round}-i${i}-${AWKWARD[random(AWKWARD.length)]}`;
      say(JSON.stringify(['S', key, fingerprint]));
      memory.set(key, fingerprint);
      say(JSON.stringify(['s', key, fingerprint]));
    }
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
