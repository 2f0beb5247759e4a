import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFlagHelp } from './help.ts';
import { FLAGS } from './flags.ts';
import { parseArgs, rejectUnknownSwitches } from './load.ts';

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  const path = join(dir, 'spanbase.yaml');
  writeFileSync(path, text);
  return path;
}

describe('parseArgs', () => {
  it('starts from the documented defaults', () => {
    const { config } = parseArgs([]);
    expect(config['server.http-listen-port']).toBe(3200);
    expect(config['otlp.http-listen-port']).toBe(4318);
    expect(config['otlp.grpc-listen-port']).toBe(4317);
    expect(config['wal.path']).toBe('./data/wal');
    expect(config['storage.local.path']).toBe('./data/blocks');
    expect(config['distributor.max-recv-msg-size']).toBe(20 * 1024 * 1024);
    expect(config['ingester.trace-idle-period']).toBe(5000);
    expect(config.target).toBe('all');
  });

  it('parses flags in both forms, with units', () => {
    const { config } = parseArgs(['--server.http-listen-port=9000', '--wal.fsync', 'always', '--ingester.trace-idle-period=1m30s', '--ingester.max-live-bytes=2GiB', '--multitenancy.enabled']);
    expect(config['server.http-listen-port']).toBe(9000);
    expect(config['wal.fsync']).toBe('always');
    expect(config['ingester.trace-idle-period']).toBe(90_000);
    expect(config['ingester.max-live-bytes']).toBe(2 * 1024 ** 3);
    expect(config['multitenancy.enabled']).toBe(true);
  });

  it('reads the YAML file, and flags win over it', () => {
    const file = yamlFile('server:\n  http_listen_port: 3300\nwal:\n  fsync: never\n  path: /tmp/x\n');
    const { config } = parseArgs([`--config.file=${file}`, '--wal.fsync=always']);
    expect(config['server.http-listen-port']).toBe(3300);
    expect(config['wal.path']).toBe('/tmp/x');
    expect(config['wal.fsync']).toBe('always');
  });

  it('rejects unknown keys, bad values and missing values with the name', () => {
    expect(() => parseArgs([`--config.file=${yamlFile('server:\n  http-listen-prot: 1\n')}`])).toThrow(/unknown key "server.http-listen-prot"/);
    expect(() => parseArgs(['--wal.fsync=sometimes'])).toThrow(/--wal.fsync: expected one of always, interval, never/);
    expect(() => parseArgs(['--server.http-listen-port=abc'])).toThrow(/--server.http-listen-port: expected an integer/);
    expect(() => parseArgs(['--ingester.trace-idle-period=5 sec'])).toThrow(/expected a duration/);
    expect(() => parseArgs(['--wal.path'])).toThrow(/--wal.path needs a value/);
    const { switches } = parseArgs(['--server.http-port=1']);
    expect(() => rejectUnknownSwitches(switches)).toThrow(/unknown flag --server.http-port/);
  });

  it('moves the WAL and the local blocks with --data-dir; their own flags still win', () => {
    let { config } = parseArgs(['--data-dir=/srv/sb']);
    expect([config['wal.path'], config['storage.local.path']]).toEqual(['/srv/sb/wal', '/srv/sb/blocks']);
    ({ config } = parseArgs(['--wal.path=/fast/wal', '--data-dir', '/srv/sb']));
    expect([config['wal.path'], config['storage.local.path']]).toEqual(['/fast/wal', '/srv/sb/blocks']);
    ({ config } = parseArgs([`--config.file=${yamlFile('data-dir: /from/file\nstorage:\n  local:\n    path: /file/blocks\n')}`]));
    expect([config['wal.path'], config['storage.local.path']]).toEqual(['/from/file/wal', '/file/blocks']);
    // A flag is stronger than the file: --data-dir moves a path the file set.
    ({ config } = parseArgs([`--config.file=${yamlFile('wal:\n  path: /file/wal\n')}`, '--data-dir=/flag']));
    expect([config['wal.path'], config['storage.local.path']]).toEqual(['/flag/wal', '/flag/blocks']);
    ({ config } = parseArgs([`--config.file=${yamlFile('data-dir: /from/file\n')}`, '--storage.local.path=/flag/blocks']));
    expect([config['wal.path'], config['storage.local.path']]).toEqual(['/from/file/wal', '/flag/blocks']);
  });

  it('accumulates repeatable flags', () => {
    const { config } = parseArgs(['--distributor.ingester-addresses=a:1,b:2', '--distributor.ingester-addresses=c:3']);
    expect(config['distributor.ingester-addresses']).toEqual(['a:1', 'b:2', 'c:3']);
  });

  it('lists every flag with its default in --help', () => {
    const help = formatFlagHelp();
    for (const name of Object.keys(FLAGS)) expect(help).toContain(`--${name}=`);
    expect(help).toContain('(default: 3200)');
    expect(help).toContain('(default: 20MiB)');
    expect(help).toContain('(default: 5s)');
  });
});
