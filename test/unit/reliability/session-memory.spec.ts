import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SessionMemory } from '../../../nodes/lib/reliability/session-memory';
import { cleanup, tempDir } from './helpers';

describe('session memory', () => {
  after(cleanup);

  it('tells a lost session from a first one, and from one the broker kept', () => {
    const m = new SessionMemory();
    assert.equal(m.connected('mqtt://a', 'id', false), false, 'first session');
    assert.equal(m.connected('mqtt://a', 'id', true), false, 'kept');
    assert.equal(m.connected('mqtt://a', 'id', false), true, 'lost');
    assert.equal(m.connected('mqtt://b', 'id', false), false, 'another broker: a first session there');
  });

  it('remembers the session across restarts when given a file', () => {
    const file = path.join(tempDir('wis2-session-'), 'sessions', 'b.json');
    assert.equal(new SessionMemory(file).connected('mqtt://a', 'id', false), false);
    assert.equal(new SessionMemory(file).connected('mqtt://a', 'id', false), true, 'after a restart, the broker has forgotten us');
    assert.equal(new SessionMemory(file).connected('mqtt://a', 'other-id', false), false, 'another client id: not our session');
    fs.writeFileSync(file, 'not json');
    assert.equal(new SessionMemory(file).connected('mqtt://a', 'id', false), false, 'an unreadable file is no session');
  });
});
