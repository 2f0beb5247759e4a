import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from './read-body.ts';

const body = Buffer.from('0123456789abcdef'.repeat(1000));
const stream = () => Readable.from([body.subarray(0, 7000), body.subarray(7000)], { objectMode: false });

describe('readBody', () => {
  it('reads a body with a Content-Length into shared memory when asked, byte for byte', async () => {
    const got = await readBody(stream(), String(body.length), 1 << 20, true);
    expect(got.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(got.equals(body)).toBe(true);
  });

  it('reads into ordinary memory otherwise, and without a Content-Length', async () => {
    expect((await readBody(stream(), String(body.length), 1 << 20)).buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const chunked = await readBody(stream(), undefined, 1 << 20, true);
    expect(chunked.equals(body)).toBe(true);
  });

  it('refuses a shared body longer than its Content-Length', async () => {
    await expect(readBody(stream(), String(body.length - 1), 1 << 20, true)).rejects.toThrow(/longer than its Content-Length/);
  });
});
