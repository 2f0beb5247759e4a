// Builds the Config from defaults, then the YAML file, then command-line flags (flags win).
// Unknown names fail loudly: a misspelt limit silently ignored is an outage later.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigFileUnreadable, ConfigInvalid } from './errors.ts';
import type { Flag } from './flag.ts';
import { FLAGS } from './flags.ts';
import { applyMemoryBudget } from './memory-budget.ts';
import type { Config, FlagName } from './flags.ts';

/** What the command line asked for besides flags. */
export interface ParsedArgs {
  /** The configuration. */
  config: Config;
  /** Positional words (sub-commands such as `blocks list`). */
  positional: string[];
  /** `--help` or `-h` was given. */
  help: boolean;
  /** `--version` was given. */
  version: boolean;
  /** Flags given without a value that are not flags of the config (`--once`, `--dry-run`, ...). */
  switches: Map<string, string | true>;
}

const flags = FLAGS as unknown as Record<string, Flag<unknown>>;

function defaults(): Config {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(flags)) out[name] = Array.isArray(f.default) ? [...f.default] : f.default;
  return out as Config;
}

function suggest(name: string): string {
  const close = Object.keys(flags).filter((n) => n.includes(name) || name.includes(n) || n.split('.').pop() === name.split('.').pop());
  return close.length > 0 ? ` (did you mean --${close[0]}?)` : '';
}

function setValue(cfg: Record<string, unknown>, name: string, text: string, where: string, given: Set<string>): void {
  const f = flags[name];
  const r = f.parse(text);
  if ('error' in r) throw ConfigInvalid(`${where}: ${r.error}`);
  if (f.repeatable) {
    // The first value from a source replaces the default list; further ones accumulate.
    const prev = given.has(name) ? (cfg[name] as unknown[]) : [];
    cfg[name] = [...prev, ...(r.value as unknown[])];
  } else {
    cfg[name] = r.value;
  }
  given.add(name);
}

/** Flattens a YAML mapping into dotted flag names; accepts `_` for `-` in keys. */
function flattenYaml(node: unknown, prefix: string, out: Map<string, unknown>): void {
  if (node === null || node === undefined) return;
  if (typeof node !== 'object' || Array.isArray(node)) {
    out.set(prefix, node);
    return;
  }
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    const key = (prefix ? prefix + '.' : '') + k.replace(/_/g, '-');
    if (key in flags) out.set(key, v);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenYaml(v, key, out);
    else out.set(key, v);
  }
}

/** Applies the YAML file; returns the names it set. */
function applyFile(cfg: Record<string, unknown>, path: string): Set<string> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw ConfigFileUnreadable(`config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const entries = new Map<string, unknown>();
  flattenYaml(doc, '', entries);
  const given = new Set<string>();
  for (const [name, value] of entries) {
    if (!(name in flags)) throw ConfigInvalid(`config file ${path}: unknown key "${name}"${suggest(name)}`);
    const values = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) && !flags[name].repeatable) throw ConfigInvalid(`config file ${path}: "${name}" takes one value, got a list`);
    for (const v of values) setValue(cfg, name, String(v), `config file ${path}: ${name}`, given);
  }
  return given;
}

/** The paths `--data-dir` sets, and where under it each goes. */
const DATA_DIR_PATHS = [['wal.path', 'wal'], ['storage.local.path', 'blocks']] as const;

/**
 * `--data-dir` moves every local path at once. A path given on its own wins over it when given
 * at the same level or a stronger one (flags over the file), so a file's `wal.path` stays put
 * unless `--data-dir` comes as a flag.
 */
function applyDataDir(cfg: Record<string, unknown>, fromFile: ReadonlySet<string>, fromFlags: ReadonlySet<string>): void {
  if (!fromFile.has('data-dir') && !fromFlags.has('data-dir')) return;
  const dirIsFlag = fromFlags.has('data-dir');
  for (const [name, sub] of DATA_DIR_PATHS) {
    const explicit = fromFlags.has(name) || (fromFile.has(name) && !dirIsFlag);
    if (!explicit) cfg[name] = join(cfg['data-dir'] as string, sub);
  }
}

/**
 * Parses argv (without node and script). `--name=value`, `--name value` and bare boolean
 * `--name` are accepted. `--config.file` is read first so flags override it.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const cfg = defaults() as unknown as Record<string, unknown>;
  const positional: string[] = [];
  const switches = new Map<string, string | true>();
  const pairs: { name: string; value: string | undefined }[] = [];
  let help = false;
  let version = false;
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    if (a === '--version') {
      version = true;
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    let value = eq >= 0 ? a.slice(eq + 1) : undefined;
    const known = name in flags || name === 'config.file';
    if (value === undefined && known && flags[name]?.kind !== 'bool') {
      if (i + 1 >= argv.length) throw ConfigInvalid(`--${name} needs a value`);
      value = argv[++i];
    }
    if (name === 'config.file') configFile = value;
    else if (known) pairs.push({ name, value });
    else switches.set(name, value ?? true);
  }
  const fromFile = configFile ? applyFile(cfg, configFile) : new Set<string>();
  const given = new Set<string>();
  for (const { name, value } of pairs) setValue(cfg, name, value ?? 'true', `--${name}`, given);
  applyDataDir(cfg, fromFile, given);
  applyMemoryBudget(cfg, new Set([...fromFile, ...given]));
  return { config: cfg as unknown as Config, positional, help, version, switches };
}

/** Rejects switches a command does not know, with a hint at the closest flag. */
export function rejectUnknownSwitches(switches: Map<string, string | true>, allowed: readonly string[] = []): void {
  for (const name of switches.keys()) {
    if (!allowed.includes(name)) throw ConfigInvalid(`unknown flag --${name}${suggest(name)}; see --help`);
  }
}

/** The configuration with every flag at its default. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return { ...defaults(), ...overrides };
}

/** True when `name` is a known flag. */
export function isFlagName(name: string): name is FlagName {
  return name in flags;
}
