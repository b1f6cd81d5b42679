import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { JOIN_MAX_BYTES, joinChunks, joinCorkedWrites, type BufferedChunk } from '../../../nodes/lib/publish/socket-writes';
import { recordWritev } from '../../helpers/sockets';

/** A connected pair of sockets on the loopback; `received` gathers what the server side reads. */
async function socketPair(): Promise<{ client: net.Socket; received: Buffer[]; close(): Promise<void> }> {
  const received: Buffer[] = [];
  const server = net.createServer((s) => { s.on('data', (d: Buffer) => { received.push(d); }); });
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => { client.once('connect', resolve); });
  return {
    client,
    received,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('socket writes: what a corked turn sends', () => {
  it('joins pieces into the bytes each would have written: strings in their encodings, Buffers and views of larger ones', () => {
    const backing = Buffer.from('..view..');
    const chunks: BufferedChunk[] = [
      { chunk: Buffer.from([0x32, 0x80, 0x09]), encoding: 'buffer' },
      { chunk: 'origin/a/wis2/é/données', encoding: 'utf8' },
      { chunk: 'latin1 ÿ', encoding: 'latin1' },
      { chunk: '0aff', encoding: 'hex' },
      { chunk: backing.subarray(2, 6), encoding: 'buffer' },
      { chunk: 'a lone \ud800 surrogate and 🌍', encoding: 'utf8' },
      { chunk: Buffer.alloc(0), encoding: 'buffer' },
    ];
    const expected = Buffer.concat(chunks.map(({ chunk, encoding }) => (typeof chunk === 'string' ? Buffer.from(chunk, encoding as BufferEncoding) : (chunk as Buffer))));
    assert.deepEqual(joinChunks(chunks), expected);
    assert.equal(joinChunks([]).length, 0);
  });

  it('hands the socket one buffer for what it was given while corked, and the other end reads the same bytes in order', async () => {
    const pair = await socketPair();
    try {
      const calls = recordWritev(pair.client);
      joinCorkedWrites(pair.client);
      // the same socket given again is not wrapped twice
      joinCorkedWrites(pair.client);
      const pieces: (string | Buffer)[] = [Buffer.from([0x32]), Buffer.from([0x80, 0x09]), Buffer.from([0, 3]), 'a/é', Buffer.from([0, 5]), 'payload', Buffer.from([0x40, 0x03, 0x00, 0x07])];
      let callbacks = 0;
      pair.client.cork();
      for (const p of pieces) pair.client.write(p, () => { callbacks++; });
      pair.client.uncork();
      const expected = Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
      await until(() => Buffer.concat(pair.received).length >= expected.length && callbacks === pieces.length);
      assert.deepEqual(Buffer.concat(pair.received), expected);
      assert.deepEqual(calls, [[expected.length]], 'one call to the socket\'s own writev, with one buffer');
      assert.equal(callbacks, pieces.length, 'every write called back');
    } finally {
      await pair.close();
    }
  });

  it('leaves a backlog above JOIN_MAX_BYTES in its pieces, and any stream that is not a socket as it is', async () => {
    const pair = await socketPair();
    try {
      const calls = recordWritev(pair.client);
      joinCorkedWrites(pair.client);
      const big = Buffer.alloc(JOIN_MAX_BYTES, 1);
      pair.client.cork();
      pair.client.write(big);
      pair.client.write(Buffer.from([2, 3]));
      pair.client.uncork();
      await until(() => Buffer.concat(pair.received).length >= big.length + 2);
      assert.deepEqual(calls[0], [big.length, 2]);
      assert.deepEqual(Buffer.concat(pair.received).subarray(big.length), Buffer.from([2, 3]));
    } finally {
      await pair.close();
    }
    const other = new PassThrough();
    const before = (other as unknown as { _writev?: unknown })._writev;
    joinCorkedWrites(other);
    assert.equal((other as unknown as { _writev?: unknown })._writev, before);
  });
});
