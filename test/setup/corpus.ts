// The shared test corpora (the Tempo TraceQL conformance queries) live beside the repository, in
// ../shared, where CI checks them out; they are read at run time, never copied in. A plain clone
// has no ../shared: its corpus tests are skipped and the run says so once (global-setup.ts). In
// CI, SPANBASE_REQUIRE_CORPUS=1 turns a missing corpus into a failed run, so the tests can never
// be skipped there unnoticed.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { inject } from 'vitest';

/** Where the shared corpora are looked for: `shared/` next to the repository. */
export const SHARED_DIR = resolve(import.meta.dirname, '..', '..', '..', 'shared');

/** The environment variable that makes a missing corpus fail the run. */
export const REQUIRE_CORPUS_ENV = 'SPANBASE_REQUIRE_CORPUS';

/** The corpora the tests read, relative to SHARED_DIR, and the tests that read them. */
export const CORPORA = [{ path: 'conformance/traceql/queries.json', tests: 'traceql/src/conformance.test.ts' }] as const;

declare module 'vitest' {
  export interface ProvidedContext {
    /** SHARED_DIR when every corpus is there, else null (see test/setup/corpus.ts). */
    spanbaseCorpus: string | null;
  }
}

/** What the global setup found. */
export interface CorpusCheck {
  /** SHARED_DIR when every corpus is present, else null. */
  dir: string | null;
  /** The notice to print when corpora are missing (and not required). */
  notice?: string;
}

/**
 * Looks for the corpora. Throws when one is missing and `env` requires them; otherwise a missing
 * corpus gives a notice naming the skipped tests and how to run them.
 */
export function checkCorpus(env: NodeJS.ProcessEnv = process.env, dir = SHARED_DIR): CorpusCheck {
  const missing = CORPORA.filter((c) => !existsSync(resolve(dir, c.path)));
  if (missing.length === 0) return { dir };
  const list = missing.map((c) => `${c.tests} (reads ${resolve(dir, c.path)})`).join(', ');
  if (env[REQUIRE_CORPUS_ENV] === '1') {
    throw new Error(`${REQUIRE_CORPUS_ENV}=1 but a test corpus is missing: ${list}`);
  }
  return {
    dir: null,
    notice:
      `Skipped the corpus tests ${list}: the corpus is not there. ` +
      `To run them, put the shared corpus directory (shared/conformance/...) next to this repository; ` +
      `${REQUIRE_CORPUS_ENV}=1 (as CI sets) makes a missing corpus fail the run.`,
  };
}

/** In a test file: the shared corpus directory, or null when the corpus tests are skipped. */
export function sharedCorpusDir(): string | null {
  return inject('spanbaseCorpus');
}
