// Zipkin ids and addresses as text. Zipkin writes trace ids as 16 or 32 hex characters and span
// ids as 16; shorter ones are left-padded as Zipkin's own reader does, so a 64-bit trace id
// becomes a 128-bit one with zero high bits (which is also how the query APIs find it).
import { hexToBytes, isAllZero } from '@spanbase/model';

/** Bytes of a hex id of at most `bytes * 2` characters, left-padded; undefined when invalid or zero. */
export function parseHexId(text: string, bytes: number): Uint8Array | undefined {
  if (text.length === 0 || text.length > bytes * 2) return undefined;
  const b = hexToBytes(text.padStart(bytes * 2, '0'));
  return b && !isAllZero(b) ? b : undefined;
}

/** Bytes of a binary id (proto3): 8 bytes for a span id, 8 or 16 for a trace id, left-padded. */
export function padBinaryId(raw: Uint8Array, bytes: number): Uint8Array | undefined {
  if (raw.length === 0 || raw.length > bytes || isAllZero(raw)) return undefined;
  if (raw.length === bytes) return raw;
  const out = new Uint8Array(bytes);
  out.set(raw, bytes - raw.length);
  return out;
}

/** Dotted text of a 4-byte IPv4 address. */
export function ipv4Text(b: Uint8Array): string {
  return b.length === 4 ? `${b[0]}.${b[1]}.${b[2]}.${b[3]}` : '';
}

/** RFC 5952 text of a 16-byte IPv6 address (the longest run of zero groups shortened to ::). */
export function ipv6Text(b: Uint8Array): string {
  if (b.length !== 16) return '';
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}
