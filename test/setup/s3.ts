// The shared S3 test server, as tests see it. global-setup.ts starts one s3rver per test run and
// provides its address under `spanbaseS3`; any suite that needs S3 calls `s3TestConfig()`:
//
//   import { s3TestConfig } from '<relative path>/test/setup/s3.ts';
//   const store = createObjectStore({ backend: 's3', s3: s3TestConfig() });
//
// Each call returns a fresh, unique key prefix in the one shared bucket, so suites and tests never
// see each other's objects and need no cleanup. The import is relative on purpose: test/setup is
// its own TypeScript project (test/setup/tsconfig.json), so a package's tsconfig adds a reference
// to it without depending on the @spanbase/test workspace.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

/** Where the shared s3rver listens and how to sign requests to it. */
export interface S3TestServer {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** A bucket that exists for the whole run. */
  bucket: string;
  /** Any region works with s3rver; this one is used for signing. */
  region: string;
  /** s3rver's fixed access key. */
  accessKeyId: string;
  /** s3rver's fixed secret key. */
  secretAccessKey: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared S3 test server (see test/setup/s3.ts). */
    spanbaseS3: S3TestServer;
  }
}

/** An S3 store config (the `s3` section of the backend config) for a fresh unique prefix. */
export interface S3TestConfig extends S3TestServer {
  /** `t-<uuid>`, unique per call. */
  prefix: string;
  /** s3rver serves path-style URLs on 127.0.0.1. */
  forcePathStyle: true;
}

/** Returns the shared server's settings with a new unique prefix; call it once per store. */
export function s3TestConfig(): S3TestConfig {
  return { ...inject('spanbaseS3'), prefix: `t-${randomUUID()}`, forcePathStyle: true };
}
