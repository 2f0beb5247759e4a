// The decision cache kept across restarts: every decision the ingester records is appended to a
// small file beside the WAL segments, and read back at start before the WAL replays, so spans
// arriving (or replayed) after a restart still follow the decision made for their trace before
// it. The file is a hint, not data: a line that does not parse is skipped, a failed write is
// logged, and it is rewritten from the cache once it holds twice the cache's size in lines.
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import type { Logger } from '@spanbase/server';
import type { DecisionCache } from './decision-cache.ts';
import type { EarlierDecision } from './sample-batch.ts';

/** One remembered decision: tenant, trace id (hex), decision. */
export type LoggedDecision = [tenant: string, traceIdHex: string, decision: EarlierDecision];

function line([tenant, id, d]: LoggedDecision): string {
  return `${JSON.stringify([tenant, id, d.keep ? 1 : 0, d.th, d.rule])}\n`;
}

function parseLine(text: string): LoggedDecision | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v) || v.length !== 5) return undefined;
    const [tenant, id, keep, th, rule] = v as unknown[];
    if (typeof tenant !== 'string' || typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id) || typeof th !== 'string' || !/^[0-9a-f]{1,14}$/.test(th) || typeof rule !== 'string') return undefined;
    return [tenant, id, { keep: keep === 1, th, rule }];
  } catch {
    return undefined;
  }
}

/** The decisions file of an ingester. */
export class DecisionLog {
  private readonly path: string;
  private readonly cache: DecisionCache;
  private readonly maxLines: number;
  private readonly log: Logger;
  private lines = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(path: string, cache: DecisionCache, maxEntries: number, log: Logger) {
    this.path = path;
    this.cache = cache;
    this.maxLines = 2 * Math.max(1, maxEntries);
    this.log = log;
  }

  /** Loads the file into the cache (oldest first, so the newest are kept); a missing file is empty. */
  async load(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return 0;
    }
    let n = 0;
    for (const l of text.split('\n')) {
      const d = l === '' ? undefined : parseLine(l);
      if (!d) continue;
      this.cache.set(d[0], d[1], d[2]);
      n++;
    }
    this.lines = n;
    return n;
  }

  /** Appends decisions (in order with earlier appends); never rejects. */
  append(decisions: readonly LoggedDecision[]): Promise<void> {
    if (decisions.length === 0) return this.chain;
    this.chain = this.chain.then(async () => {
      try {
        if (this.lines + decisions.length > this.maxLines) {
          // Rewrite from the cache, which already holds these decisions and forgot the oldest.
          const tmp = `${this.path}.tmp`;
          const all = [...this.cache.entries()];
          await writeFile(tmp, all.map(line).join(''));
          await rename(tmp, this.path);
          this.lines = all.length;
        } else {
          await appendFile(this.path, decisions.map(line).join(''));
          this.lines += decisions.length;
        }
      } catch (err) {
        this.log.warn({ err, path: this.path }, 'sampling decisions could not be saved; spans of these traces arriving after a restart are decided again');
      }
    });
    return this.chain;
  }

  /** Resolves once every append has been written. */
  flushed(): Promise<void> {
    return this.chain;
  }
}
