// A local S3 server for trying Spanbase's S3 backend on one machine, with nothing to install:
//
//   npm run start:s3 [-- <spanbase flags>]   the S3 server and Spanbase against it; Ctrl-C stops both
//   npm run s3                                the S3 server alone (prints the flags for Spanbase)
//
// It is s3rver (a dependency of the tests), patched to list common prefixes as S3 does: stock
// s3rver leaves tenant prefixes out of delimited listings, so a restarted Spanbase would find no
// blocks (test/setup/s3rver-patch.ts). Its objects are files under <data dir>/s3, so they outlive
// restarts; the data dir is --data-dir (default ./data/local-s3, apart from plain `npm start`'s
// ./data). Options of this script, taken out before Spanbase sees the flags:
//   --local-s3.port=N   the S3 port on 127.0.0.1 (default 4568; 0 picks a free one)
//   --start             run Spanbase too (what `npm run start:s3` passes)
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { S3RVER_KEY, loadS3rver } from '../test/setup/s3rver-patch.ts';

const BUCKET = 'spanbase';
const DEFAULT_PORT = 4568;
const DEFAULT_DATA_DIR = './data/local-s3';

/** The value of `--name=v` or `--name v` in args, and args without it. */
function takeFlag(args: string[], name: string): { value: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith(`--${name}=`)) value = a.slice(name.length + 3);
    else if (a === `--${name}` && i + 1 < args.length) value = args[++i];
    else rest.push(a);
  }
  return { value, rest };
}

let args = process.argv.slice(2);
const start = args.includes('--start');
args = args.filter((a) => a !== '--start');
const port = takeFlag(args, 'local-s3.port');
args = port.rest;
const dataDir = resolve(takeFlag(args, 'data-dir').value ?? DEFAULT_DATA_DIR);
const directory = resolve(dataDir, 's3');
mkdirSync(directory, { recursive: true });

const S3rver = loadS3rver();
const server = new S3rver({ address: '127.0.0.1', port: Number(port.value ?? DEFAULT_PORT), silent: true, directory, configureBuckets: [{ name: BUCKET }] });
const bound = await server.run();
const endpoint = `http://127.0.0.1:${bound.port}`;
const s3Flags = [
  '--storage.backend=s3',
  `--storage.s3.endpoint=${endpoint}`,
  `--storage.s3.bucket=${BUCKET}`,
  '--storage.s3.force-path-style',
  `--storage.s3.access-key-id=${S3RVER_KEY}`,
  `--storage.s3.secret-access-key=${S3RVER_KEY}`,
];
process.stderr.write(`local S3: ${endpoint}, bucket ${BUCKET}, objects in ${directory}\n`);

if (!start) {
  process.stderr.write(`Run Spanbase against it:\n  npm start -- --data-dir=${dataDir} ${s3Flags.join(' ')}\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  const bin = resolve(import.meta.dirname, '..', 'services', 'spanbase', 'bin', 'spanbase.js');
  // Spanbase runs without this process's --openssl-legacy-provider (execArgv is not passed on).
  const child = spawn(process.execPath, [bin, `--data-dir=${dataDir}`, ...s3Flags, ...args], { stdio: 'inherit' });
  // Spanbase decides how to stop (it ignores a Ctrl-C that also reached it from the terminal);
  // the S3 server stops after it, so the last block writes still land.
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGINT', forward('SIGINT'));
  child.on('exit', (code, signal) => {
    void server.close().finally(() => process.exit(code ?? (signal ? 1 : 0)));
  });
}
