import { describe, expect, it } from 'vitest';
import { sbbfBytes } from './sbbf.ts';
import { VALUE_INDEX_FPP, ValueIndex, ValueIndexBuilder, valueProbe } from './value-index.ts';

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
    for (let i = 0; i < 20_000; i++) expect(index.mayHold(0, valueProbe(['span'], 'user.id', `u-${i}`))).toBe(true);
    for (let i = 0; i < 3; i++) expect(index.mayHold(1, valueProbe(['resource'], 'host', `h-${i}`))).toBe(true);
    expect(index.mayHold(1, valueProbe(['resource'], 'host', 'u-1'))).toBe(false);
    expect(index.mayHold(2, valueProbe(['span'], 'user.id', 'u-1'))).toBe(false);
    let falsePositives = 0;
    for (let i = 0; i < 20_000; i++) if (index.mayHold(0, valueProbe(['span'], 'user.id', `x-${i}`))) falsePositives++;
    expect(falsePositives).toBeLessThan(20_000 * VALUE_INDEX_FPP * 5);
  });

  it('adds content hashed once to every row group it is added to, as adding it directly would', () => {
    const attrs = (b: ValueIndexBuilder, host: string) => {
      b.addString('resource', 'host', host);
      b.addString('resource', 'zone', 'z\u00e9-1');
    };
    const cached = new ValueIndexBuilder();
    const direct = new ValueIndexBuilder();
    let hashed = 0;
    for (let g = 0; g < 3; g++) {
      for (const host of ['a', 'b', 'a']) {
        cached.addOnce('resource', `host=${host}`, () => {
          hashed++;
          attrs(cached, host);
        });
        attrs(direct, host);
      }
      // A value added directly between cached contents goes to the row group, not to the cache.
      cached.addString('span', 'k', `v-${g}`);
      direct.addString('span', 'k', `v-${g}`);
      cached.endRowGroup();
      direct.endRowGroup();
    }
    // Each content is hashed once for the whole block, and the objects are the same bytes.
    expect(hashed).toBe(2);
    expect(Buffer.from(cached.finish()).equals(Buffer.from(direct.finish()))).toBe(true);
  });

  it('hashes a string value as its UTF-8 bytes, long or not', () => {
    const b = new ValueIndexBuilder();
    const long = '\u00e9'.repeat(400);
    b.addString('span', 'k', long);
    b.addBytes('span', 'k', new TextEncoder().encode('ok'), 0, 2);
    b.endRowGroup();
    const index = ValueIndex.parse(b.finish(), 1);
    expect(index.mayHold(0, valueProbe(['span'], 'k', long))).toBe(true);
    expect(index.mayHold(0, valueProbe(['span'], 'k', 'ok'))).toBe(true);
  });
});
