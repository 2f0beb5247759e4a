// The fetchers' own INT64 delta decoder against hyparquet-writer's encoder and hyparquet's
// BigInt decoder: every bit width the float path takes, negative values, and the fallback for
// values beyond 2^53.
import { ByteWriter } from 'hyparquet-writer';
import { deltaBinaryPack } from './parquet-internals.ts';
import { describe, expect, it } from 'vitest';
import { Rng } from '../testing/random.ts';
import { deltaInt64 } from './fetch-pages.ts';

function encode(values: bigint[]): Uint8Array {
  const w = new ByteWriter();
  deltaBinaryPack(w, values, 'INT64');
  return new Uint8Array(w.getBuffer());
}

function decode(values: bigint[]): { ok: boolean; out: BigInt64Array } {
  const out = new BigInt64Array(values.length);
  const ok = deltaInt64(encode(values), values.length, new Int32Array(out.buffer));
  return { ok, out };
}

describe('deltaInt64', () => {
  it('decodes every delta width the float path takes exactly', () => {
    const rng = new Rng(4);
    // Independent values below 2^k have deltas of k + 1 bits once the minimum is taken off.
    for (let k = 0; k <= 51; k++) {
      const values = Array.from({ length: 300 }, () => BigInt(Math.floor(rng.next() * 2 ** k)) - (k > 40 ? 0n : 1000n));
      const { ok, out } = decode(values);
      expect(ok, `k ${k}`).toBe(true);
      expect(Array.from(out), `k ${k}`).toEqual(values);
    }
  });

  it('decodes durations as the writer stores them, and leaves values past 2^53 to the BigInt decoder', () => {
    const rng = new Rng(9);
    const durations = Array.from({ length: 1000 }, () => BigInt(Math.round(rng.logNormal(20e6, 2))));
    expect(Array.from(decode(durations).out)).toEqual(durations);
    expect(decode([1n, 2n ** 60n, 3n]).ok).toBe(false);
    expect(decode([]).ok).toBe(true);
    expect(Array.from(decode([-7n]).out)).toEqual([-7n]);
  });
});
