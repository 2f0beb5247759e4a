// Where a process keeps its data, for the startup log: after "is it up?", a new user's next
// question is where their spans went (and what to back up or delete).
import { resolve } from 'node:path';
import type { Config } from '@spanbase/config';

/** The WAL directory and the block store of a process, as absolute paths or an s3:// URL. */
export interface DataLocation {
  /** The WAL directory, when this process runs the ingester. */
  wal?: string;
  /** Where blocks are written and read, when this process touches blocks. */
  blocks?: string;
}

/** Where the modules of this process keep data (the distributor alone keeps none). */
export function dataLocation(cfg: Config, modules: readonly string[]): DataLocation {
  const out: DataLocation = {};
  if (modules.includes('ingester')) out.wal = resolve(cfg['wal.path']);
  if (modules.some((m) => m === 'store' || m === 'compactor')) out.blocks = blockStoreName(cfg);
  return out;
}

function blockStoreName(cfg: Config): string {
  if (cfg['storage.backend'] === 'local') return resolve(cfg['storage.local.path']);
  const prefix = cfg['storage.s3.prefix'].replace(/^\/+|\/+$/g, '');
  const url = `s3://${cfg['storage.s3.bucket']}/${prefix ? `${prefix}/` : ''}`;
  return cfg['storage.s3.endpoint'] ? `${url} at ${cfg['storage.s3.endpoint']}` : url;
}
