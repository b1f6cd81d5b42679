import assert from 'node:assert/strict';
import { validateTopic } from '../../../nodes/lib/wth';
import { MAX_SUGGEST_LENGTH, didYouMean, editDistance, nearest, similarity } from '../../../nodes/lib/wth/suggest';

describe('did-you-mean ranking', () => {
  it('counts edits, transpositions included', () => {
    assert.equal(editDistance('origin', 'origin'), 0);
    assert.equal(editDistance('orgin', 'origin'), 1);
    assert.equal(editDistance('oirgin', 'origin'), 1);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('finds words left out as well as typos', () => {
    const siblings = ['drifting-buoys', 'drifting-ocean-profilers', 'ship-sub-surface', 'wave-buoys'];
    assert.deepEqual(nearest('ocean-profilers', siblings), ['drifting-ocean-profilers']);
    assert.deepEqual(nearest('drifting-ocean-profiler', siblings), ['drifting-ocean-profilers']);
    assert.deepEqual(nearest('drifting-bouys', siblings), ['drifting-buoys']);
  });

  it('proposes nothing when nothing is close', () => {
    assert.deepEqual(nearest('argo', ['drifting-buoys', 'wave-buoys']), []);
    assert.equal(didYouMean([]), undefined);
  });

  it('never proposes the input itself and keeps equal inputs at 1', () => {
    assert.deepEqual(nearest('data', ['data', 'metadata']), ['metadata'].filter((m) => similarity('data', m) >= 0.5));
    assert.equal(similarity('core', 'core'), 1);
    assert.ok(similarity('core', 'cores') < 1);
  });

  it('words a list of candidates', () => {
    assert.equal(didYouMean(['a']), 'did you mean "a"?');
    assert.equal(didYouMean(['a', 'b', 'c']), 'did you mean "a", "b" or "c"?');
  });
});

describe('suggestions on hostile input', () => {
  it('are not computed for a level far longer than any known one (no quadratic work on it)', () => {
    const long = 'fr-ifremer-argo'.repeat(4400);
    assert.ok(long.length > MAX_SUGGEST_LENGTH);
    assert.deepEqual(nearest(long, ['fr-ifremer-argo']), []);
    const check = validateTopic(`origin/a/wis2/${long}/data/core/ocean/surface-based-observations/drifting-ocean-profilers`);
    assert.equal(check.valid, false);
    const problem = check.errors.find((e) => e.code === 'centre-id-unknown');
    assert.ok(problem);
    assert.deepEqual(problem.candidates ?? [], []);
    assert.doesNotMatch(problem.suggestion ?? '', /did you mean/);
  });
});
