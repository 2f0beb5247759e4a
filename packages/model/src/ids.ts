// Trace and span ids. Ids travel as bytes inside Spanbase; hex is for URLs and search results,
// base64 for trace JSON (Tempo's convention).

/** Length of a trace id in bytes. */
export const TRACE_ID_BYTES = 16;
/** Length of a span id in bytes. */
export const SPAN_ID_BYTES = 8;

const HEX = '0123456789abcdef';
const HEX_TABLE: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4] + HEX[i & 15]);

/** Lowercase hex of the bytes, zero-padded. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_TABLE[bytes[i]];
  return s;
}

/**
 * A map key for an id: two bytes per UTF-16 code unit, so an 8-byte span id is a 4-character
 * string (a hex string is 16 characters built one pair at a time). Keys of ids of the same
 * length compare as the bytes do; they are for maps and sets, not for display.
 */
export function idKey(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n === 8) return String.fromCharCode(bytes[0] | (bytes[1] << 8), bytes[2] | (bytes[3] << 8), bytes[4] | (bytes[5] << 8), bytes[6] | (bytes[7] << 8));
  let s = '';
  for (let i = 0; i < n; i += 2) s += String.fromCharCode(bytes[i] | ((i + 1 < n ? bytes[i + 1] : 0) << 8));
  return n % 2 === 0 ? s : s + '\u0000odd';
}

/** Bytes of an even-length hex string, or undefined when it is not hex. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** True when every byte is zero (OTLP calls such an id invalid). */
export function isAllZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Parses a trace id as it appears in a URL: 1 to 32 hex characters, left-padded with zeros to
 * 16 bytes (so 64-bit ids from older tracers work). Returns undefined for anything else.
 */
export function parseTraceIdParam(text: string): Uint8Array | undefined {
  if (text.length < 1 || text.length > 32 || !/^[0-9a-fA-F]+$/.test(text)) return undefined;
  return hexToBytes(text.padStart(32, '0'));
}

/** Trace id as search results show it: lowercase hex with leading zeros trimmed. */
export function traceIdToSearchHex(traceId: Uint8Array): string {
  const hex = bytesToHex(traceId).replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

/** Compares two ids as unsigned big-endian numbers (the block sort order). */
export function compareIds(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** True when both ids hold the same bytes. */
export function idsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
