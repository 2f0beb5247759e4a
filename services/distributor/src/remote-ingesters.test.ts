// Trace ownership by rendezvous hashing: every ingester owns a fair share, and when one joins or
// leaves only the traces it gains or held change owner (a modulo over the count would move most).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ownerSeeds, traceOwner } from './remote-ingesters.ts';

const ids = randomBytes(16 * 20_000);
const owners = (addresses: string[]) => {
  const seeds = ownerSeeds(addresses);
  return Array.from({ length: ids.length / 16 }, (_, i) => addresses[traceOwner(ids, i * 16, seeds)]);
};

describe('trace ownership', () => {
  it('spreads traces evenly', () => {
    const counts = new Map<string, number>();
    for (const o of owners(['10.0.0.1:9095', '10.0.0.2:9095', '10.0.0.3:9095'])) counts.set(o, (counts.get(o) ?? 0) + 1);
    for (const n of counts.values()) expect(n / 20_000).toBeGreaterThan(0.3);
  });

  it('moves only the traces of the ingester that joins or leaves', () => {
    const three = owners(['10.0.0.1:9095', '10.0.0.2:9095', '10.0.0.3:9095']);
    const four = owners(['10.0.0.1:9095', '10.0.0.2:9095', '10.0.0.3:9095', '10.0.0.4:9095']);
    const moved = three.filter((o, i) => four[i] !== o);
    expect(moved.length / three.length).toBeLessThan(0.3);
    expect(four.filter((o, i) => o !== three[i]).every((o) => o === '10.0.0.4:9095')).toBe(true);
    const two = owners(['10.0.0.1:9095', '10.0.0.3:9095']);
    expect(three.every((o, i) => o === '10.0.0.2:9095' || two[i] === o)).toBe(true);
  });
});
