import { describe, expect, it } from 'vitest';
import { cancelCells, slotSignal } from './cancel-cells.ts';

describe('slotSignal', () => {
  it('sees the cell being set at its next check, and fires abort listeners', () => {
    const cells = cancelCells(2);
    const s = slotSignal(cells, 1, () => new Error('stop'));
    let heard = 0;
    s.signal.addEventListener('abort', () => heard++);
    expect(s.signal.aborted).toBe(false);
    s.signal.throwIfAborted();
    Atomics.store(cells, 0, 1);
    expect(s.signal.aborted).toBe(false);
    Atomics.store(cells, 1, 1);
    expect(() => s.signal.throwIfAborted()).toThrow('stop');
    expect(s.signal.aborted).toBe(true);
    expect(heard).toBe(1);
  });

  it('aborts at once when told to', () => {
    const s = slotSignal(cancelCells(1), 0, () => new Error('now'));
    s.abort();
    expect(s.signal.aborted).toBe(true);
    expect(s.signal.reason).toEqual(new Error('now'));
  });
});
