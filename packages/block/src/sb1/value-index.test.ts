import { describe, expect, it } from 'vitest';
import { sbbfBytes } from './sbbf.ts';
import { VALUE_INDEX_FPP, ValueIndex, ValueIndexBuilder } from './value-index.ts';

describe('ValueIndexBuilder', () => {
  it('sizes each row group for its distinct entries, however often each is added, and holds every one', () => {
    const b = new ValueIndexBuilder();
    // Row group 0: 20 000 distinct values (past several growths of the dedupe table), each added three times.
    for (let round = 0; round < 3; round++) for (let i = 0; i < 20_000; i++) b.addString('span', 'user.id', `u-${i}`);
    b.endRowGroup();
    // Row group 1: a handful, after the table was cleared.
    for (let i = 0; i < 5; i++) b.addString('resource', 'host', `h-${i % 3}`);
    b.endRowGroup();
    b.endRowGroup();
    const bytes = b.finish();
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    expect(v.getUint32(12, true)).toBe(sbbfBytes(20_000, VALUE_INDEX_FPP, false));
    expect(v.getUint32(16, true)).toBe(sbbfBytes(3, VALUE_INDEX_FPP, false));
    expect(v.getUint32(20, true)).toBe(0);
    const index = ValueIndex.parse(bytes, 3);
    for (let i = 0; i < 20_000; i++) expect(index.mayHold(0, index.probe(['span'], 'user.id', `u-${i}`))).toBe(true);
    for (let i = 0; i < 3; i++) expect(index.mayHold(1, index.probe(['resource'], 'host', `h-${i}`))).toBe(true);
    expect(index.mayHold(1, index.probe(['resource'], 'host', 'u-1'))).toBe(false);
    expect(index.mayHold(2, index.probe(['span'], 'user.id', 'u-1'))).toBe(false);
    let falsePositives = 0;
    for (let i = 0; i < 20_000; i++) if (index.mayHold(0, index.probe(['span'], 'user.id', `x-${i}`))) falsePositives++;
    expect(falsePositives).toBeLessThan(20_000 * VALUE_INDEX_FPP * 5);
  });
});
