// Reading deploy/: the Dockerfile as instructions, YAML files (one or many documents), spanbase
// command lines parsed by the binary's own flag parser, and the environment variables the
// binary (or the libraries it uses) actually read.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseArgs, rejectUnknownSwitches } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { REPO_ROOT } from '../src/harness.ts';

/** deploy/ in the repository. */
export const DEPLOY = join(REPO_ROOT, 'deploy');

/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  /** Upper-case keyword (FROM, RUN, COPY, ...). */
  keyword: string;
  /** The rest of the line. */
  args: string;
}

/** Parses a Dockerfile into instructions (comments and blank lines dropped). */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = pending + line;
    pending = '';
    const m = /^(\w+)\s+(.*)$/.exec(full);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2] });
  }
  return out;
}

/** All documents of a YAML file under deploy/, as plain objects. */
export function readYamlDocs(relative: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(readFileSync(join(DEPLOY, relative), 'utf8'));
  return docs.map((d) => {
    if (d.errors.length > 0) throw new Error(`${relative}: ${d.errors[0].message}`);
    return d.toJS() as Record<string, unknown>;
  }).filter((d) => d !== null);
}

/** The one document of a YAML file under deploy/. */
export function readYaml<T = Record<string, unknown>>(relative: string): T {
  const docs = readYamlDocs(relative);
  if (docs.length !== 1) throw new Error(`${relative}: expected one YAML document, got ${docs.length}`);
  return docs[0] as T;
}

/**
 * Parses a spanbase command line as the binary does, rejecting unknown flags and bad values.
 * `files` maps paths inside a container (a mounted config file) to files in the repository.
 */
export function parseSpanbaseArgs(args: readonly string[], files: Record<string, string> = {}): Config {
  const local = args.map((a) => {
    const m = /^--config\.file=(.*)$/.exec(a);
    if (!m) return a;
    const path = files[m[1]];
    if (!path) throw new Error(`--config.file=${m[1]} is not a file this deployment provides`);
    if (!existsSync(path)) throw new Error(`${path} (for ${m[1]}) does not exist`);
    return `--config.file=${path}`;
  });
  const parsed = parseArgs(local);
  rejectUnknownSwitches(parsed.switches);
  if (parsed.positional.length > 0) throw new Error(`unexpected argument ${parsed.positional[0]}`);
  return parsed.config;
}

const require = createRequire(join(REPO_ROOT, 'packages', 'backend', 'package.json'));

/**
 * Environment variables Spanbase reads, each checked against the code that reads it: the binary's
 * own and its image's health check, and the AWS SDK's credential chain (used when the S3 credential flags are empty).
 */
export function environmentSpanbaseReads(): Set<string> {
  const names = new Set<string>();
  for (const file of [join(REPO_ROOT, 'services', 'spanbase', 'src', 'run.ts'), join(DEPLOY, 'healthcheck.js')]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/process\.env\.([A-Z0-9_]+)/g)) names.add(m[1]);
  }
  const envProvider = readFileSync(require.resolve('@aws-sdk/credential-provider-env'), 'utf8');
  for (const m of envProvider.matchAll(/"(AWS_[A-Z_]+)"/g)) names.add(m[1]);
  // The SDK's region chain, which the S3 store relies on when --storage.s3.region is unset.
  const s3 = readFileSync(join(REPO_ROOT, 'packages', 'backend', 'src', 's3-store.ts'), 'utf8');
  if (s3.includes('AWS_REGION')) names.add('AWS_REGION');
  return names;
}
