// Key rules shared by every backend, so a key that works against memory or S3 also works on a
// local disk (and the other way round). The local store maps keys to paths, so these rules are
// also what keeps it inside its root directory.
import { StoreBadKey } from './errors.ts';

/** Name prefix of the local store's in-flight temp files; no key segment may start with it. */
export const TEMP_MARKER = '.sb-tmp-';

/** S3's limit on key length, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

function checkSegment(segment: string, what: string, text: string): void {
  if (segment === '' || segment === '.' || segment === '..') {
    throw StoreBadKey(`${what} '${text}' has an empty, '.' or '..' segment`);
  }
  if (segment.startsWith(TEMP_MARKER)) {
    throw StoreBadKey(`${what} '${text}' uses the reserved name prefix '${TEMP_MARKER}'`);
  }
}

function checkCommon(text: string, what: string): void {
  if (text.startsWith('/')) throw StoreBadKey(`${what} '${text}' is absolute`);
  if (text.includes('\\') || text.includes('\0')) {
    throw StoreBadKey(`${what} '${text}' contains a backslash or NUL`);
  }
  if (Buffer.byteLength(text) > MAX_KEY_BYTES) {
    throw StoreBadKey(`${what} is longer than ${MAX_KEY_BYTES} bytes`);
  }
}

/** Throws STORE_ERR_BAD_KEY unless `key` is a relative `/`-separated path of real segments. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw StoreBadKey('key is empty');
  checkCommon(key, 'key');
  for (const segment of key.split('/')) checkSegment(segment, 'key', key);
}

/**
 * Throws STORE_ERR_BAD_KEY for a list prefix that could never match a valid key or would leave
 * the root. The last segment may be partial (`tenant/blo` matches `tenant/block-1/...`).
 */
export function checkPrefix(prefix: string): void {
  if (prefix === '') return;
  checkCommon(prefix, 'prefix');
  const segments = prefix.split('/');
  for (let i = 0; i < segments.length - 1; i++) checkSegment(segments[i], 'prefix', prefix);
}
