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
await import('../src/main.ts');
