// Compiles a parsed RE2 pattern into a Thompson NFA: a program of character tests, splits,
// zero-width assertions and one match instruction. regex-dfa.ts runs it over every possible path
// at once, so matching time grows linearly with the input whatever the pattern.
import type { AssertKind, CharSpec, ReNode } from './regex-syntax.ts';

/** Instruction kinds. */
export const OP_CHAR = 0;
export const OP_SPLIT = 1;
export const OP_ASSERT = 2;
export const OP_MATCH = 3;

/**
 * The largest program accepted. Counted repetitions copy their operand, so `(a{1000}){1000}`
 * would otherwise be a million instructions; every uncached step may visit them all.
 */
export const MAX_INSTRUCTIONS = 10_000;

/** Tests one code point; answers are cached per code point. */
export class CharTest {
  private readonly ascii = new Uint8Array(128); // 0 unknown, 1 no, 2 yes
  private other = new Map<number, boolean>();
  private readonly fn: (cp: number) => boolean;

  constructor(spec: CharSpec) {
    switch (spec.kind) {
      case 'cp': {
        const want = spec.cp;
        this.fn = (cp) => cp === want;
        break;
      }
      case 'any':
        this.fn = () => true;
        break;
      case 'notNL':
        this.fn = (cp) => cp !== 10;
        break;
      case 'js': {
        // One character against a class or a folded literal: V8 cannot backtrack here.
        const re = new RegExp(`^${spec.source}$`, spec.flags);
        this.fn = (cp) => re.test(String.fromCodePoint(cp));
        break;
      }
    }
  }

  /** Whether code point `cp` passes. */
  test(cp: number): boolean {
    if (cp < 128) {
      const known = this.ascii[cp];
      if (known !== 0) return known === 2;
      const yes = this.fn(cp);
      this.ascii[cp] = yes ? 2 : 1;
      return yes;
    }
    let yes = this.other.get(cp);
    if (yes === undefined) {
      yes = this.fn(cp);
      if (this.other.size >= 4096) this.other = new Map();
      this.other.set(cp, yes);
    }
    return yes;
  }
}

/** A compiled pattern. Instruction `pc` is `op[pc]`; its successors are `out[pc]` and, for a split, `out1[pc]`. */
export interface Program {
  readonly op: Uint8Array;
  readonly out: Int32Array;
  readonly out1: Int32Array;
  /** For OP_CHAR the test, for OP_ASSERT the assertion. */
  readonly arg: readonly (CharTest | AssertKind | undefined)[];
  readonly start: number;
  /** Which assertions occur: the matcher tracks only the context they need. */
  readonly asserts: ReadonlySet<AssertKind>;
}

function size(n: ReNode): number {
  switch (n.k) {
    case 'empty':
      return 0;
    case 'char':
    case 'assert':
      return 1;
    case 'cat':
      return n.xs.reduce((a, x) => a + size(x), 0);
    case 'alt':
      return n.xs.reduce((a, x) => a + size(x) + 1, 0);
    case 'repeat': {
      const copies = n.max < 0 ? n.min + 1 : n.max;
      return copies * (size(n.x) + 1);
    }
    default: {
      const never: never = n;
      return never;
    }
  }
}

/** Compiles `node`; throws when the program would be larger than MAX_INSTRUCTIONS. */
export function compileProgram(node: ReNode): Program {
  if (size(node) + 1 > MAX_INSTRUCTIONS) throw new Error(`expression too large (over ${MAX_INSTRUCTIONS} instructions)`);
  const op: number[] = [];
  const out: number[] = [];
  const out1: number[] = [];
  const arg: (CharTest | AssertKind | undefined)[] = [];
  const asserts = new Set<AssertKind>();
  const tests = new Map<string, CharTest>();
  const emit = (o: number, next: number, next1 = -1, a?: CharTest | AssertKind): number => {
    op.push(o);
    out.push(next);
    out1.push(next1);
    arg.push(a);
    return op.length - 1;
  };
  const charTest = (spec: CharSpec): CharTest => {
    const key = JSON.stringify(spec);
    let t = tests.get(key);
    if (t === undefined) tests.set(key, (t = new CharTest(spec)));
    return t;
  };
  // Builds back to front: each node is compiled with the pc that follows it.
  const build = (n: ReNode, next: number): number => {
    switch (n.k) {
      case 'empty':
        return next;
      case 'char':
        return emit(OP_CHAR, next, -1, charTest(n.spec));
      case 'assert':
        asserts.add(n.kind);
        return emit(OP_ASSERT, next, -1, n.kind);
      case 'cat': {
        let pc = next;
        for (let i = n.xs.length - 1; i >= 0; i--) pc = build(n.xs[i], pc);
        return pc;
      }
      case 'alt': {
        let pc = build(n.xs[n.xs.length - 1], next);
        for (let i = n.xs.length - 2; i >= 0; i--) pc = emit(OP_SPLIT, build(n.xs[i], next), pc);
        return pc;
      }
      case 'repeat': {
        let pc = next;
        if (n.max < 0) {
          // x*: a split that either enters the body (which loops back to it) or leaves.
          const loop = emit(OP_SPLIT, -1, next);
          out[loop] = build(n.x, loop);
          pc = loop;
        } else {
          for (let i = n.min; i < n.max; i++) pc = emit(OP_SPLIT, build(n.x, pc), next);
        }
        for (let i = 0; i < n.min; i++) pc = build(n.x, pc);
        return pc;
      }
      default: {
        const never: never = n;
        return never;
      }
    }
  };
  const match = emit(OP_MATCH, -1);
  const start = build(node, match);
  return { op: Uint8Array.from(op), out: Int32Array.from(out), out1: Int32Array.from(out1), arg, start, asserts };
}
