// A flag's contract: how it parses, what it defaults to, and what `--help` says about it.
import { formatBytes, formatDuration, parseBytes, parseDuration } from './units.ts';

/** One command-line flag, also settable from the YAML config file. */
export interface Flag<T> {
  /** Value kind shown in `--help`. */
  readonly kind: 'string' | 'int' | 'float' | 'bool' | 'duration' | 'bytes' | 'enum' | 'list';
  /** Value when neither the file nor the command line sets it. */
  readonly default: T;
  /** One line for `--help`. */
  readonly help: string;
  /** Allowed values, for enums. */
  readonly values?: readonly string[];
  /** True when the flag may be given several times (values accumulate). */
  readonly repeatable?: boolean;
  /** Parses the textual form; returns an error message when invalid. */
  parse(text: string): { value: T } | { error: string };
  /** Formats a value the way it would be written on the command line. */
  format(value: T): string;
}

function number(kind: 'int' | 'float', def: number, help: string, min = -Infinity): Flag<number> {
  return {
    kind,
    default: def,
    help,
    parse(text) {
      const v = Number(text);
      if (text.trim() === '' || !Number.isFinite(v) || (kind === 'int' && !Number.isInteger(v))) return { error: `expected ${kind === 'int' ? 'an integer' : 'a number'}, got "${text}"` };
      if (v < min) return { error: `must be at least ${min}, got ${v}` };
      return { value: v };
    },
    format: String,
  };
}

/** Builders for flags of each kind. */
export const flag = {
  string(def: string, help: string): Flag<string> {
    return { kind: 'string', default: def, help, parse: (text) => ({ value: text }), format: (v) => v };
  },
  int(def: number, help: string, min = 0): Flag<number> {
    return number('int', def, help, min);
  },
  float(def: number, help: string, min = -Infinity): Flag<number> {
    return number('float', def, help, min);
  },
  bool(def: boolean, help: string): Flag<boolean> {
    return {
      kind: 'bool',
      default: def,
      help,
      parse(text) {
        const t = text.trim().toLowerCase();
        if (t === 'true' || t === '1' || t === 'yes') return { value: true };
        if (t === 'false' || t === '0' || t === 'no') return { value: false };
        return { error: `expected true or false, got "${text}"` };
      },
      format: String,
    };
  },
  /** A duration in milliseconds. */
  duration(def: string, help: string): Flag<number> {
    const d = parseDuration(def);
    if (d === undefined) throw new Error(`bad default duration ${def}`);
    return {
      kind: 'duration',
      default: d,
      help,
      parse(text) {
        const v = parseDuration(text);
        return v === undefined ? { error: `expected a duration like 30s, 5m or 1h30m, got "${text}"` } : { value: v };
      },
      format: formatDuration,
    };
  },
  /** A size in bytes. */
  bytes(def: string, help: string): Flag<number> {
    const d = parseBytes(def);
    if (d === undefined) throw new Error(`bad default size ${def}`);
    return {
      kind: 'bytes',
      default: d,
      help,
      parse(text) {
        const v = parseBytes(text);
        return v === undefined ? { error: `expected a size like 20MiB, 64MB or 1048576, got "${text}"` } : { value: v };
      },
      format: formatBytes,
    };
  },
  enum<const V extends string>(values: readonly V[], def: V, help: string): Flag<V> {
    return {
      kind: 'enum',
      default: def,
      help,
      values,
      parse(text) {
        return (values as readonly string[]).includes(text) ? { value: text as V } : { error: `expected one of ${values.join(', ')}, got "${text}"` };
      },
      format: (v) => v,
    };
  },
  /** A list: repeat the flag, or separate values with commas. */
  list(help: string, def: readonly string[] = []): Flag<string[]> {
    return {
      kind: 'list',
      default: [...def],
      help,
      repeatable: true,
      parse: (text) => ({ value: text.split(',').map((s) => s.trim()).filter((s) => s !== '') }),
      format: (v) => v.join(','),
    };
  },
  /** A repeatable flag whose values may contain commas (e.g. TraceQL retention rules). */
  repeated(help: string): Flag<string[]> {
    return { kind: 'list', default: [], help, repeatable: true, parse: (text) => ({ value: [text] }), format: (v) => v.join(' ') };
  },
};
