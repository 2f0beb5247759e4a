import { describe, expect, it } from 'vitest';
import { decodeUtf8, isValidUtf8, StringCache, truncateUtf8, utf8BoundaryAtOrBefore, utf8Length, writeUtf8 } from './utf8.ts';

const enc = new TextEncoder();

describe('utf8 helpers', () => {
  const samples = ['', 'a', 'plain ascii key', 'x'.repeat(100), 'héllo', '✓ check', '日本語テキスト', 'emoji 🎉 pair', 'lone \ud800 surrogate', 'é'.repeat(40)];

  it('decodes short and long, ASCII and not', () => {
    for (const s of samples) {
      const b = enc.encode(s);
      expect(decodeUtf8(b, 0, b.length)).toBe(new TextDecoder().decode(b));
    }
  });

  it('writes and measures like TextEncoder', () => {
    for (const s of samples) {
      const want = enc.encode(s);
      const dest = new Uint8Array(s.length * 3 + 4);
      const n = writeUtf8(s, dest, 2);
      expect(dest.subarray(2, 2 + n)).toEqual(want);
      expect(utf8Length(s)).toBe(want.length);
    }
  });

  it('cuts at character boundaries', () => {
    expect(truncateUtf8('ab✓cd', 3)).toBe('ab');
    expect(truncateUtf8('ab✓cd', 5)).toBe('ab✓');
    expect(truncateUtf8('🎉🎉', 5)).toBe('🎉');
    expect(truncateUtf8('🎉🎉', 3)).toBe('');
    expect(truncateUtf8('short', 10)).toBe('short');
    const b = enc.encode('aé');
    expect(utf8BoundaryAtOrBefore(b, 0, b.length, 2)).toBe(1);
  });
});

describe('StringCache', () => {
  it('returns the right string even when entries collide', () => {
    const cache = new StringCache(2, 16);
    const words = Array.from({ length: 50 }, (_, i) => `key.${i}.${'é'.repeat(i % 3)}`);
    for (let round = 0; round < 3; round++) {
      for (const w of words) {
        const b = enc.encode(`<${w}>`);
        expect(cache.get(b, 1, b.length - 1)).toBe(w);
      }
    }
    const long = 'y'.repeat(40);
    expect(cache.get(enc.encode(long), 0, 40)).toBe(long);
    expect(cache.get(new Uint8Array(0), 0, 0)).toBe('');
  });

});

describe('isValidUtf8', () => {
  it('tells well-formed UTF-8 from what a decoder would have to repair', () => {
    for (const s of ['', 'a', 'héllo', '日本語', 'emoji 🎉 pair', 'lone \ud800 surrogate']) {
      const b = enc.encode(s);
      expect(isValidUtf8(b, 0, b.length)).toBe(true);
    }
    const bad = [[0x80], [0xc0, 0x80], [0xc2], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x9c], [0x61, 0xff]];
    for (const b of bad) {
      const bytes = new Uint8Array(b);
      expect(isValidUtf8(bytes, 0, bytes.length), b.join(',')).toBe(false);
      // Exactly then a decode and re-encode changes the bytes.
      expect(Buffer.from(enc.encode(decodeUtf8(bytes, 0, bytes.length))).equals(Buffer.from(bytes))).toBe(false);
    }
  });
});
