// Warnings about settings that work but are probably not what the operator wants.
import type { Config } from './flags.ts';

/** Human-readable warnings for risky or inconsistent settings; empty when all is well. */
export function checkConfig(cfg: Config): string[] {
  const out: string[] = [];
  if (cfg['wal.fsync'] === 'never') out.push('--wal.fsync=never: acknowledged spans can be lost if the machine (not just the process) crashes.');
  if (cfg['storage.backend'] === 's3' && cfg['storage.s3.bucket'] === '') out.push('--storage.backend=s3 needs --storage.s3.bucket.');
  if (cfg['ingestion.burst-size-bytes'] < cfg['distributor.max-recv-msg-size']) {
    out.push('--ingestion.burst-size-bytes is smaller than --distributor.max-recv-msg-size: the largest requests can never pass the rate limit.');
  }
  if (cfg['server.http-listen-address'] === '0.0.0.0') out.push('The HTTP API listens on all interfaces (0.0.0.0); put it behind authentication if the network is not trusted.');
  return out;
}
