// Global test setup. Servers that several suites share (the S3 protocol server) start here
// once per run; each suite reads their addresses from the injected context (s3.ts declares its
// type and the helper suites call). The shared corpora are looked for here too (corpus.ts), so a
// run without them says so once, and a run that requires them fails before any test.
import type { TestProject } from 'vitest/node';
import { checkCorpus } from './corpus.ts';
import { startS3rver } from './s3rver-process.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const corpus = checkCorpus();
  project.provide('spanbaseCorpus', corpus.dir);
  const s3 = await startS3rver();
  project.provide('spanbaseS3', s3.info);
  return async () => {
    await s3.stop();
    // At the end, where the summary is read, rather than above pages of test output.
    if (corpus.notice) process.stdout.write(`\n${corpus.notice}\n`);
  };
}
