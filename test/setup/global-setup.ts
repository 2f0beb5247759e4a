// Global test setup. Servers that several suites share (the S3 protocol server) start here
// once per run; each suite reads their addresses from the injected context (s3.ts declares its
// type and the helper suites call).
import type { TestProject } from 'vitest/node';
import { startS3rver } from './s3rver-process.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const s3 = await startS3rver();
  project.provide('spanbaseS3', s3.info);
  return () => s3.stop();
}
