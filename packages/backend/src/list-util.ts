// Listing helpers shared by the backends that list by walking all keys (memory, local with a
// delimiter other than '/').
import type { ListResult, ObjectInfo } from './object-store.ts';

/** Orders keys the same way in every backend: by UTF-16 code units, as `Array.prototype.sort`. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Splits objects under `prefix` into the ones directly under it and the sub-prefixes ending at
 * the next `delimiter`; without a delimiter every object is listed. Output is sorted.
 */
export function groupByDelimiter(prefix: string, delimiter: string | undefined, infos: Iterable<ObjectInfo>): ListResult {
  const objects: ObjectInfo[] = [];
  const prefixes = new Set<string>();
  for (const info of infos) {
    if (!info.key.startsWith(prefix)) continue;
    if (delimiter) {
      const at = info.key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        prefixes.add(info.key.slice(0, at + delimiter.length));
        continue;
      }
    }
    objects.push(info);
  }
  objects.sort((a, b) => compareKeys(a.key, b.key));
  return { objects, prefixes: [...prefixes].sort(compareKeys) };
}
