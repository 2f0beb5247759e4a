#!/usr/bin/env node
// Entry point of the spanbase binary. Spanbase runs its TypeScript sources directly, which needs
// Node 24 (type stripping); `npm start` and `npx spanbase` put the project's own Node 24 first on
// the PATH, so this check only trips when the file is run by hand with an older node.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `spanbase needs Node.js 24 or newer (this is ${process.version}).\n` +
      'Run it through npm, which uses the Node 24 the project installs: `npm start -- <flags>` or `npx spanbase <flags>`.\n',
  );
  process.exit(1);
}
// Every worker thread loads its own copy of the sources: about 1.5 s of CPU each for type
// stripping, compiling and resolving, 10 s in all on a machine whose 2 cores also take ingest
// and the first queries after a restart. Node's compile cache keeps the stripped and compiled
// code on disk between starts (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off); the environment variable hands it to the workers.
const { enableCompileCache } = await import('node:module');
const cache = enableCompileCache?.();
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;
await import('../src/main.ts');
