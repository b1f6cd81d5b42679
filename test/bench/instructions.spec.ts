import assert from 'node:assert/strict';
import { collectedInstructions, perEvent, splitCallgrind } from './instructions';

describe('bench: instructions per event from two callgrind runs', () => {
  it('reads the total callgrind prints, and nothing from other output', () => {
    const stderr = ['==4242== Callgrind, a call-graph generating cache profiler', '==4242== Events    : Ir', '==4242== Collected : 7203627123', '==4242== ', '==4242== I   refs:      7,203,627,123', ''].join('\n');
    assert.equal(collectedInstructions(stderr), 7_203_627_123);
    assert.equal(collectedInstructions('==4242== I   refs:      7,203,627,123\n'), undefined);
    assert.equal(collectedInstructions(''), undefined);
  });

  it('splits a callgrind file into the collector\'s, the compilers\' and all instructions, each counted once', () => {
    const gc = 'v8::internal::Heap::CollectGarbage(v8::internal::AllocationSpace, v8::internal::GarbageCollectionReason, v8::GCCallbackFlags)';
    const file = [
      '# callgrind format',
      'version: 1',
      'positions: line',
      'events: Ir',
      'summary: 1000',
      '',
      'ob=(1) /usr/bin/node',
      'fl=(1) ???',
      // JIT code allocates: a collection, which calls a lambda of its own through a helper
      'fn=(1) 0x0000000028070d00',
      '0 100',
      `cfn=(2) ${gc}`,
      'calls=1 0',
      '0 300',
      'cfn=(3) v8::internal::Runtime_CompileLazy(int, unsigned long*, v8::internal::Isolate*)',
      'calls=2 0',
      '+1 250',
      'fn=(2)',
      '0 40',
      'cfn=(4) heap::base::Stack::SetMarkerAndCallbackImpl<>(heap::base::Stack*, void*, void const*)',
      'calls=1 0',
      '0 260',
      'fn=(4)',
      '0 10',
      `cfn=(5) ${gc}::{lambda()#2}::operator()() const`,
      'calls=1 0',
      '0 250',
      'fn=(5)',
      '* 250',
      // a compilation that collects: its instructions are the compilers', once
      'fn=(3)',
      '0 20',
      'cfn=(6) v8::internal::Compiler::Compile(v8::internal::Isolate*, v8::internal::Handle<v8::internal::SharedFunctionInfo>)',
      'calls=1 0',
      '0 230',
      'fn=(6)',
      '0 150',
      `cfn=(2)`,
      'calls=1 0',
      '0 80',
      // the second level of a recursion is named fn'2
      "fn=(7) v8::internal::Sweeper::ParallelSweepSpace(v8::internal::AllocationSpace)'2",
      '-1 30',
      'fn=(8) Builtins_InterpreterEntryTrampoline',
      '0 100',
      "cfn=(7)",
      'calls=1 0',
      '0 30',
      '',
    ].join('\n');
    assert.deepEqual(splitCallgrind(file), { instructions: 100 + 40 + 10 + 250 + 20 + 150 + 30 + 100, collector: 300 + 30, compilers: 250 });
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
