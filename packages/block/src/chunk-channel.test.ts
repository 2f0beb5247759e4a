import { describe, expect, it } from 'vitest';
import { ChunkChannel } from './chunk-channel.ts';

const bytes = (n: number) => new Uint8Array([n]);

describe('ChunkChannel', () => {
  it('delivers chunks in order and holds the producer while the slot is full', async () => {
    const ch = new ChunkChannel();
    const it = ch[Symbol.asyncIterator]();
    await ch.push(bytes(1));
    let second = false;
    const p2 = ch.push(bytes(2)).then(() => (second = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(second).toBe(false);
    expect((await it.next()).value).toEqual(bytes(1));
    await p2;
    expect(second).toBe(true);
    expect((await it.next()).value).toEqual(bytes(2));
    ch.close();
    expect((await it.next()).done).toBe(true);
  });

  it('fails the consumer on fail() and the producer when the consumer gives up', async () => {
    const a = new ChunkChannel();
    const consumed = (async () => {
      for await (const _ of a) void _;
    })();
    a.fail(new Error('stop'));
    await expect(consumed).rejects.toThrow('stop');

    const b = new ChunkChannel();
    await b.push(bytes(1));
    const waiting = b.push(bytes(2));
    b.consumerFailed(new Error('upload failed'));
    await expect(waiting).rejects.toThrow('upload failed');
    await expect(b.push(bytes(3))).rejects.toThrow('upload failed');

    const c = new ChunkChannel();
    const reader = (async () => {
      for await (const _ of c) break;
    })();
    await c.push(bytes(1));
    await reader;
    await expect(c.push(bytes(2))).rejects.toThrow(/stopped reading/);
  });
});
