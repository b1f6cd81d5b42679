import assert from 'node:assert/strict';
import { procMemory } from '../helpers/proc';
import { needProgram } from '../helpers/programs';
import { floorSlope, heapSample, rssOf as rss } from './growth';

/** RSS read every 1,000 events: a garbage sawtooth (rises 1 MiB per 1,000, drops every `period`) on a floor. */
function sawtooth(events: number, period: number, floorAt: (n: number) => number): { events: number; rssMiB: number }[] {
  const out: { events: number; rssMiB: number }[] = [];
  for (let n = 1000; n <= events; n += 1000) out.push({ events: n, rssMiB: floorAt(n) + ((n % period) / 1000) });
  return out;
}

describe('bench: memory growth read from what stays after collections', () => {
  it('finds no growth in a sawtooth whose lows stay put, whatever its phase', () => {
    for (const period of [23_000, 31_000, 37_000]) {
      const f = floorSlope(sawtooth(100_000, period, () => 200), 10_000, rss);
      assert.ok(f);
      assert.ok(Math.abs(f.slopeMiBPer10k) < 0.5, `period ${period}: ${f.slopeMiBPer10k}`);
    }
  });

  it('finds a leak that raises the lows', () => {
    // 3 MiB more kept per 10,000 events
    const f = floorSlope(sawtooth(100_000, 30_000, (n) => 200 + (3 * n) / 10_000), 10_000, rss);
    assert.ok(f);
    assert.ok(f.slopeMiBPer10k > 2.5 && f.slopeMiBPer10k < 3.5, String(f.slopeMiBPer10k));
    assert.ok(f.floors[0] < f.floors[1] && f.floors[1] < f.floors[2]);
  });

  it('says nothing from fewer than three samples', () => {
    assert.equal(floorSlope([{ events: 1000, rssMiB: 1 }, { events: 2000, rssMiB: 2 }], 0, rss), undefined);
  });

  it('reads the figure it is told to, such as the old generation in use', () => {
    const old = sawtooth(100_000, 30_000, (n) => 80 + (2 * n) / 10_000).map((r) => ({ events: r.events, usedMiB: r.rssMiB, rssMiB: 0 }));
    const f = floorSlope(old, 10_000, (o) => o.usedMiB);
    assert.ok(f);
    assert.ok(f.slopeMiBPer10k > 1.5 && f.slopeMiBPer10k < 2.5, String(f.slopeMiBPer10k));
    assert.equal(floorSlope(old, 10_000, rss)?.slopeMiBPer10k, 0);
  });

  it('reads where RSS sits from one scrape: old space held, large objects, outside the heap, external memory', () => {
    const MiB = 1024 * 1024;
    const text = [
      '# HELP nodejs_heap_space_size_total_bytes Process heap space size total from Node.js in bytes.',
      `nodejs_heap_space_size_total_bytes{space="new"} ${128 * MiB}`,
      `nodejs_heap_space_size_total_bytes{space="old"} ${150 * MiB}`,
      `nodejs_heap_space_size_total_bytes{space="code"} ${5 * MiB}`,
      `nodejs_heap_space_size_total_bytes{space="large_object"} ${17 * MiB}`,
      `nodejs_heap_space_size_used_bytes{space="old"} ${96 * MiB}`,
      `process_resident_memory_bytes ${460 * MiB}`,
      `nodejs_external_memory_bytes ${24 * MiB}`,
    ].join('\n');
    assert.deepEqual(heapSample(text, 5000, 96 * MiB), { events: 5000, usedMiB: 96, oldHeldMiB: 150, largeObjectsMiB: 17, outsideHeapMiB: 460 - 300, externalMiB: 24 });
    // a scrape without the process metrics still gives the old space
    assert.deepEqual(heapSample(text.replace(/(process_resident|nodejs_external).*$/gm, ''), 1, 96 * MiB), { events: 1, usedMiB: 96, oldHeldMiB: 150, largeObjectsMiB: 17 });
  });

  it('reads the resident pages of mapped files apart, the share of RSS the kernel moves on its own', function () {
    const m = procMemory(process.pid);
    needProgram(this, '/proc', m !== undefined, 'a process reads its memory there');
    // this process maps the node binary and runs it: some of it is resident, and never more than RSS
    assert.ok(m?.fileMiB !== undefined && m.fileMiB > 1 && m.fileMiB <= m.rssMiB, JSON.stringify(m));
  });
});
