// CRC32C (Castagnoli), the checksum of WAL records and block objects. Chosen over CRC32 because
// it detects more error patterns in short records and is what storage systems (iSCSI, ext4,
// Kafka, S3's checksum headers) use. Slicing-by-8 tables: about 1 GB/s in V8, so checksums
// never dominate ingest.

const POLY = 0x82f63b78;
const T = new Int32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[i] = c;
}
for (let i = 0; i < 256; i++) {
  for (let t = 1; t < 8; t++) T[t * 256 + i] = (T[(t - 1) * 256 + i] >>> 8) ^ T[T[(t - 1) * 256 + i] & 0xff];
}

/** CRC32C of `bytes[start, end)`, continuing from `crc` (0 to start). Unsigned 32-bit result. */
export function crc32c(bytes: Uint8Array, crc = 0, start = 0, end = bytes.length): number {
  let c = ~crc;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c =
      T[7 * 256 + (c & 0xff)] ^
      T[6 * 256 + ((c >>> 8) & 0xff)] ^
      T[5 * 256 + ((c >>> 16) & 0xff)] ^
      T[4 * 256 + (c >>> 24)] ^
      T[3 * 256 + bytes[i + 4]] ^
      T[2 * 256 + bytes[i + 5]] ^
      T[256 + bytes[i + 6]] ^
      T[bytes[i + 7]];
  }
  for (; i < end; i++) c = T[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
