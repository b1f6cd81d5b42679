import assert from 'node:assert/strict';
import { procMemory } from '../helpers/proc';
import { needProgram } from '../helpers/programs';
import { indexBench } from './index';

describe('bench: the index reader peak RSS is the reading process', () => {
  it('is not what the bench itself holds when it starts the reader', async function () {
    needProgram(this, '/proc', procMemory(process.pid) !== undefined, 'a process reads its own peak RSS there');
    // resident in this process when it forks the readers: a reading of the fork's memory
    // instead of the reader's comes out above it
    const held: Buffer[] = [];
    for (let i = 0; i < 256; i++) held.push(Buffer.alloc(1 << 20, i));
    const rss = procMemory(process.pid)?.rssMiB ?? 0;
    assert.ok(rss > 256, `this process holds ${rss} MiB`);
    const r = await indexBench(20_000);
    assert.equal(r.reader.lines, r.baseline.lines);
    for (const read of [r.baseline, r.reader]) {
      assert.ok(read.peakRssMiB > 0 && read.peakRssMiB < rss - 128, `${read.name}: ${read.peakRssMiB} MiB beside this process's ${rss}`);
    }
    assert.equal(held.length, 256);
  });
});
