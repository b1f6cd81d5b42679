import assert from 'node:assert/strict';
import { helper } from '../helpers/nodes';
import { startPipeline } from '../helpers/pipeline';

describe('WIS2 dead letter in a pipeline', () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  it('turns a rejected event into a dead letter carrying its exact bytes', async () => {
    const rec = await startPipeline();
    const bad = Buffer.from([0x7b, 0xff, 0x7d]);
    helper.getNode('conv').receive({ payload: bad, topic: 'diffusion/files/coriolis/argo/bufr' });
    await rec.wait(1);
    const record = JSON.parse((rec.from('letters').at(0)?.payload as Buffer).toString('utf8')) as { reason: { code: string }; topic: string; payload: { encoding: string; value: string } };
    assert.equal(record.reason.code, 'intake.invalid_utf8');
    assert.equal(record.topic, 'diffusion/files/coriolis/argo/bufr');
    assert.equal(record.payload.encoding, 'base64');
    assert.ok(Buffer.from(record.payload.value, 'base64').equals(bad));
  });
});
