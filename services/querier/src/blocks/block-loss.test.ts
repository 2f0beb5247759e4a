import type { BlockDamage } from '@spanbase/block';
import { describe, expect, it } from 'vitest';
import { incompleteOf } from './block-loss.ts';

const lost = (rowGroup: number, rows: number): BlockDamage => ({ tenantID: 't', blockID: 'b', object: 'data.parquet', rowGroup, rows, fallback: 'row-group-lost', message: 'checksum' });

describe('incompleteOf', () => {
  it('names each lost row group once, with the spans left out, and passes new damage on', () => {
    const heard: BlockDamage[][] = [];
    const err = incompleteOf({ rowGroups: 9 }, { lost: [lost(4, 100), lost(2, 50), lost(4, 100)], damage: [lost(4, 100)] }, (d) => heard.push([...d]));
    expect(err?.message).toBe('2 of 9 row groups unreadable (150 spans left out): row group 2, 4');
    expect((err as { code?: string }).code).toBe('BLK_ERR_CHECKSUM');
    expect(heard).toEqual([[lost(4, 100)]]);
  });

  it('is undefined when nothing was lost', () => {
    expect(incompleteOf({ rowGroups: 3 }, {}, undefined)).toBeUndefined();
  });
});
