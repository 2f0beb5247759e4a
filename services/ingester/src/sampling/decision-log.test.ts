import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@spanbase/server';
import { describe, expect, it } from 'vitest';
import { DecisionCache } from './decision-cache.ts';
import { DecisionLog } from './decision-log.ts';

const id = (n: number) => n.toString(16).padStart(32, '0');

describe('DecisionLog', () => {
  it('reads back what it wrote, skips damaged lines, and stays within twice the cache size', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sb-decisions-')), 'd.log');
    const cache = new DecisionCache(10);
    const log = new DecisionLog(path, cache, 10, silentLogger());
    for (let i = 0; i < 50; i++) {
      const d = { keep: i % 2 === 0, rule: i % 2 === 0 ? '{ status = error }' : 'default', th: i % 2 === 0 ? '0' : 'e6666666666666' };
      cache.set('t', id(i), d);
      await log.append([['t', id(i), d]]);
    }
    appendFileSync(path, '["t","not-an-id",1,"0","x"]\n{torn');
    expect(readFileSync(path, 'utf8').split('\n').length).toBeLessThanOrEqual(2 * 10 + 3);
    const again = new DecisionCache(10);
    await new DecisionLog(path, again, 10, silentLogger()).load();
    expect(again.size).toBe(10);
    expect(again.get('t', id(49))).toEqual({ keep: false, rule: 'default', th: 'e6666666666666' });
    expect(again.get('t', id(48))).toEqual({ keep: true, rule: '{ status = error }', th: '0' });
    expect(again.get('t', id(30))).toBeUndefined();
  });
});
