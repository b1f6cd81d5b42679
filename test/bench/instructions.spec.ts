import assert from 'node:assert/strict';
import { collectedInstructions, perEvent } from './instructions';

describe('bench: instructions per event from two callgrind runs', () => {
  it('reads the total callgrind prints, and nothing from other output', () => {
    const stderr = ['==4242== Callgrind, a call-graph generating cache profiler', '==4242== Events    : Ir', '==4242== Collected : 7203627123', '==4242== ', '==4242== I   refs:      7,203,627,123', ''].join('\n');
    assert.equal(collectedInstructions(stderr), 7_203_627_123);
    assert.equal(collectedInstructions('==4242== I   refs:      7,203,627,123\n'), undefined);
    assert.equal(collectedInstructions(''), undefined);
  });

  it('divides the difference of the counts by the difference of the events, start-up cancelled', () => {
    // 3,000,000,000 of start-up and warm-up in both, 500,000 per event
    const a = { events: 1000, instructions: 3e9 + 1000 * 5e5 };
    const b = { events: 3000, instructions: 3e9 + 3000 * 5e5 };
    assert.equal(perEvent(a, b), 5e5);
    assert.equal(perEvent(b, a), 5e5);
    assert.throws(() => perEvent(a, a), RangeError);
  });
});
