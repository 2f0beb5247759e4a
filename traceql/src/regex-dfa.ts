// Runs a regex program (regex-program.ts) as a lazily built DFA, the way RE2 does: a DFA state is
// the set of NFA instructions alive after the input so far, and each transition is computed once
// from that set, then cached. Every input code point costs one table lookup, or at most one pass
// over the program when the transition is new, so matching is linear in the input whatever the
// pattern; `(a+)+$` has nothing to backtrack.
//
// Zero-width assertions (`^ $ \b \B` and their line forms) depend on the code points on both sides
// of a position. A state therefore keeps the assertions it reached as pending instructions, plus
// what it knows about the previous code point; they are resolved when the next code point (or the
// end of the input) is seen.
import { OP_ASSERT, OP_CHAR, OP_MATCH, OP_SPLIT } from './regex-program.ts';
import type { CharTest, Program } from './regex-program.ts';
import type { AssertKind } from './regex-syntax.ts';

/** What the previous position was, as far as the pattern's assertions care. */
const PREV_START = 0;
const PREV_NEWLINE = 1;
const PREV_WORD = 2;
const PREV_OTHER = 3;
/** "Next code point" at the end of the input. */
const END = -1;

/** States kept per pattern before the cache is dropped and rebuilt (bounds memory per pattern). */
export const MAX_STATES = 256;

function isWord(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
}

function holds(kind: AssertKind, prev: number, next: number): boolean {
  switch (kind) {
    case 'beginText':
      return prev === PREV_START;
    case 'endText':
      return next === END;
    case 'beginLine':
      return prev === PREV_START || prev === PREV_NEWLINE;
    case 'endLine':
      return next === END || next === 10;
    case 'wordBoundary':
      return (prev === PREV_WORD) !== (next !== END && isWord(next));
    case 'notWordBoundary':
      return (prev === PREV_WORD) === (next !== END && isWord(next));
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** A compiled pattern that matches whole strings in linear time. */
export class DfaMatcher {
  private readonly prog: Program;
  private readonly maxStates: number;
  /** Which previous-position facts the assertions need; without assertions none are kept. */
  private readonly prevOf: (cp: number) => number;
  // The DFA states, by id. State 0 is the dead state: nothing alive, no continuation matches.
  private ids = new Map<string, number>();
  private pcs: Int32Array[] = [];
  private prev: number[] = [];
  /** Whether the input may end in the state: 0 not yet known, 1 no, 2 yes. */
  private accept = new Uint8Array(0);
  /** Transitions on ASCII code points, `trans[id * 128 + c]`, -1 until first taken. */
  private trans = new Int32Array(0);
  private other: (Map<number, number> | undefined)[] = [];
  private startId = -1;
  private flushes = 0;
  // Scratch space for building a transition.
  private readonly mark: Uint32Array;
  private generation = 0;
  private readonly list: Int32Array;
  private readonly stack: Int32Array;
  /**
   * Instructions visited while building transitions, over the matcher's life. With the input
   * length it bounds the work done: the linear-time tests read it.
   */
  work = 0;

  constructor(prog: Program, maxStates = MAX_STATES) {
    this.prog = prog;
    this.maxStates = Math.max(maxStates, 2);
    const n = prog.op.length;
    this.mark = new Uint32Array(n);
    this.list = new Int32Array(n);
    this.stack = new Int32Array(2 * n + 2);
    const lines = prog.asserts.has('beginLine');
    const words = prog.asserts.has('wordBoundary') || prog.asserts.has('notWordBoundary');
    this.prevOf = lines || words ? (cp) => (words && isWord(cp) ? PREV_WORD : lines && cp === 10 ? PREV_NEWLINE : PREV_OTHER) : () => PREV_OTHER;
    this.reset();
  }

  /** Whether all of `s` matches the pattern. */
  test(s: string): boolean {
    // Kept small, with the rare paths in other methods, so that V8 optimises the loop for good.
    let st = this.startId;
    if (st < 0) st = this.start();
    let trans = this.trans;
    const flushes = this.flushes;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 128) {
        const t = trans[(st << 7) | c];
        if (t > 0) {
          st = t;
          continue;
        }
        if (t === 0) return false;
      }
      const lo = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        st = this.transition(st, 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00));
        i++;
      } else {
        st = this.transition(st, c);
      }
      trans = this.trans;
      if (st === 0) return false;
      if (this.flushes - flushes >= 2) return this.simulate(s, i + 1, this.pcs[st], this.prev[st]);
    }
    return this.accepts(st);
  }

  /** Whether the input may end in state `st`. */
  private accepts(st: number): boolean {
    if (this.accept[st] === 0) this.accept[st] = this.acceptsAtEnd(this.pcs[st], this.prev[st]) ? 2 : 1;
    return this.accept[st] === 2;
  }

  /** The state after code point `c` from state `st`: cached for ASCII in `trans`, else here or built. */
  private transition(st: number, c: number): number {
    return (c >= 128 ? this.other[st]?.get(c) : undefined) ?? this.step(st, c);
  }

  /** Drops every cached state but the dead one. */
  private reset(): void {
    this.ids = new Map();
    this.pcs = [new Int32Array(0)];
    this.prev = [PREV_OTHER];
    this.other = [undefined];
    this.accept = new Uint8Array(16);
    this.accept[0] = 1;
    this.trans = new Int32Array(16 * 128).fill(-1);
    this.trans.fill(0, 0, 128);
    this.startId = -1;
    this.flushes++;
  }

  private start(): number {
    const len = this.follow(this.prog.start, this.nextGeneration(), 0, -2, -2);
    this.startId = this.intern(this.list.subarray(0, len), PREV_START);
    return this.startId;
  }

  /**
   * Adds to `list` (from `len` on) the instructions reachable from `pc` without consuming input:
   * character tests and the match, and assertions, which are followed when `prev`/`next` make
   * them hold or kept pending when `next` is -2 (not known yet). Returns the new length.
   */
  private follow(pc: number, gen: number, len: number, prev: number, next: number): number {
    const { op, out, out1, arg } = this.prog;
    const mark = this.mark;
    const list = this.list;
    const stack = this.stack;
    let sp = 0;
    stack[sp++] = pc;
    while (sp > 0) {
      const p = stack[--sp];
      if (mark[p] === gen) continue;
      mark[p] = gen;
      this.work++;
      switch (op[p]) {
        case OP_SPLIT:
          stack[sp++] = out1[p];
          stack[sp++] = out[p];
          break;
        case OP_ASSERT:
          if (next === -2) list[len++] = p;
          else if (holds(arg[p] as AssertKind, prev, next)) stack[sp++] = out[p];
          break;
        default:
          list[len++] = p;
      }
    }
    return len;
  }

  /** Resolves the pending assertions in `pcs` (after `prev`) given the next code point (or END), into `list`. */
  private resolve(pcs: Int32Array, prev: number, next: number, gen: number): number {
    const list = this.list;
    let len = 0;
    const { op, out, arg } = this.prog;
    for (const pc of pcs) {
      this.mark[pc] = gen;
      list[len++] = pc;
    }
    for (let i = 0; i < len; i++) {
      const pc = list[i];
      if (op[pc] === OP_ASSERT && holds(arg[pc] as AssertKind, prev, next)) {
        // Instructions reached here already see `next`, so their assertions resolve at once.
        len = this.follow(out[pc], gen, len, prev, next);
      }
    }
    return len;
  }

  private acceptsAtEnd(pcs: Int32Array, prev: number): boolean {
    const len = this.resolve(pcs, prev, END, this.nextGeneration());
    for (let i = 0; i < len; i++) if (this.prog.op[this.list[i]] === OP_MATCH) return true;
    return false;
  }

  /** The instructions alive after code point `c` from `pcs` (after `prev`), into `list`; returns their count. */
  private advance(pcs: Int32Array, prev: number, c: number): number {
    const { op, out, arg } = this.prog;
    const current = this.prog.asserts.size > 0 ? this.list.slice(0, this.resolve(pcs, prev, c, this.nextGeneration())) : pcs;
    const gen = this.nextGeneration();
    let len = 0;
    for (const pc of current) {
      this.work++;
      if (op[pc] === OP_CHAR && (arg[pc] as CharTest).test(c)) len = this.follow(out[pc], gen, len, -2, -2);
    }
    return len;
  }

  private step(st: number, c: number): number {
    const len = this.advance(this.pcs[st], this.prev[st], c);
    const flushes = this.flushes;
    const target = this.intern(this.list.subarray(0, len), this.prevOf(c));
    // When the cache was started over, `st` no longer names the state it did.
    if (flushes === this.flushes) {
      if (c < 128) this.trans[(st << 7) | c] = target;
      else {
        let m = this.other[st];
        if (m === undefined) this.other[st] = m = new Map();
        if (m.size >= 1024) m.clear();
        m.set(c, target);
      }
    }
    return target;
  }

  /**
   * Matches the rest of `s` from `from` on, starting from instructions `pcs`, without building
   * states: for inputs on which the DFA keeps outgrowing its cache (RE2 falls back to its NFA
   * then too). Each code point costs one pass over the live instructions, and no state keys.
   */
  private simulate(s: string, from: number, pcs: Int32Array, prev: number): boolean {
    const n = s.length;
    for (let i = from; i < n; i++) {
      let c = s.charCodeAt(i);
      const lo = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
      const len = this.advance(pcs, prev, c);
      if (len === 0) return false;
      pcs = this.list.slice(0, len);
      prev = this.prevOf(c);
    }
    return this.acceptsAtEnd(pcs, prev);
  }

  private intern(pcs: Int32Array, prev: number): number {
    if (pcs.length === 0) return 0;
    const sorted = Int32Array.from(pcs).sort();
    const key = prev + ':' + sorted.join(',');
    let id = this.ids.get(key);
    if (id === undefined) {
      // Too many states for this pattern: start the cache over. Each step still costs at most
      // one pass over the program, so matching stays linear.
      if (this.pcs.length >= this.maxStates) this.reset();
      id = this.pcs.length;
      this.pcs.push(sorted);
      this.prev.push(prev);
      this.other.push(undefined);
      if (id >= this.accept.length) this.grow();
      this.ids.set(key, id);
    }
    return id;
  }

  private grow(): void {
    const accept = new Uint8Array(this.accept.length * 2);
    accept.set(this.accept);
    this.accept = accept;
    const trans = new Int32Array(this.trans.length * 2).fill(-1);
    trans.set(this.trans);
    this.trans = trans;
  }

  private nextGeneration(): number {
    if (this.generation === 0xffffffff) {
      this.mark.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }
}
