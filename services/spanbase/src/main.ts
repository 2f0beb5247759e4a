// The spanbase command: parse flags, print help or version, run the target until SIGTERM/SIGINT.
import { ConfigInvalid, checkConfig, formatFlagHelp, parseArgs, rejectUnknownSwitches } from '@spanbase/config';
import { isSpanbaseError } from '@spanbase/model';
import { createLogger } from '@spanbase/server';
import { COMPACTOR_COMMANDS, compactorCommandOf, runCompactorCommand } from '@spanbase/compactor';
import { SPANBASE_VERSION, startSpanbase } from './run.ts';
import { BLOCKS_SWITCHES, runBlocksCommand } from './blocks-cli.ts';
import { USAGE_SWITCHES, runUsageCommand } from './usage-cli.ts';

const USAGE = `Usage: spanbase [flags]
       spanbase compact --once [flags]        one compaction cycle, then exit (cron, tests)
       spanbase retention [--dry-run] [flags] what retention would expire or drop now, per tenant and rule (changes nothing)
       spanbase blocks list [--tenant=T] [--json]      blocks per tenant: id, level, time range, spans, traces, size
       spanbase blocks meta <blockID> [--tenant=T]     a block's meta.json
       spanbase blocks trace <traceID> [--tenant=T]    a trace read from the blocks (JSON as /api/traces returns it)
       spanbase blocks verify [<blockID>] [--tenant=T] check metas and block objects against their checksums, list quarantined
                                                       blocks (exit 1 if anything is wrong, 3 if no block was found)
       spanbase usage [--tenant=T] [--json] [--dry-run] [flags]
                                                       stored traces, spans and bytes per tenant, service and day; with
                                                       --dry-run, what the --sampling.* policy would keep and drop, per rule

Spanbase stores OpenTelemetry traces and answers Grafana Tempo's HTTP API.
By default it runs every role in one process on local disk (./data).

  -h, --help     show this help
  --version      print the version

Flags:`;

/** A stop signal within this long of the first is the same request delivered twice, ms. */
const REPEATED_SIGNAL_MS = 1000;

async function main(argv: string[]): Promise<number> {
  let parsed;
  let command;
  try {
    parsed = parseArgs(argv);
    command = compactorCommandOf(parsed.positional); // compaction and retention sub-commands (issue #7)
    const allowed = command ? COMPACTOR_COMMANDS[command] : parsed.positional[0] === 'blocks' ? BLOCKS_SWITCHES : parsed.positional[0] === 'usage' ? USAGE_SWITCHES : [];
    if (!parsed.help && !parsed.version) rejectUnknownSwitches(parsed.switches, allowed);
  } catch (err) {
    process.stderr.write(`spanbase: ${(err as Error).message}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n${formatFlagHelp()}\n`);
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(`spanbase ${SPANBASE_VERSION} (Tempo API ${'2.9.0'}, node ${process.version})\n`);
    return 0;
  }
  // --- Compaction and retention sub-commands (issue #7) ---
  if (command) {
    const stop = new AbortController();
    process.once('SIGTERM', () => stop.abort());
    process.once('SIGINT', () => stop.abort());
    return runCompactorCommand(command, parsed.config, parsed.switches, { log: createLogger(parsed.config['log.level']), signal: stop.signal });
  }
  // --- end Compaction and retention sub-commands ---
  if (parsed.positional[0] === 'blocks') {
    return runBlocksCommand(parsed.positional.slice(1), parsed.config, parsed.switches, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
  }
  if (parsed.positional[0] === 'usage' && parsed.positional.length === 1) {
    return runUsageCommand(parsed.config, parsed.switches, { out: (t) => process.stdout.write(t) });
  }
  if (parsed.positional.length > 0) {
    process.stderr.write(`spanbase: unexpected argument "${parsed.positional[0]}"; see --help\n`);
    return 2;
  }
  const cfg = parsed.config;
  const log = createLogger(cfg['log.level']);
  for (const w of checkConfig(cfg)) log.warn(w);
  let running;
  try {
    running = await startSpanbase(cfg, log);
  } catch (err) {
    log.fatal({ err }, 'Spanbase failed to start');
    if (isSpanbaseError(err, ConfigInvalid)) process.stderr.write(`spanbase: ${err.message}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    let stoppingSince = 0;
    const onSignal = (signal: string) => {
      if (stoppingSince > 0) {
        // Ctrl-C under `npm start` arrives twice at once: from the terminal (to the whole process
        // group) and forwarded by npm. Only a second request some time later means "now".
        if (performance.now() - stoppingSince < REPEATED_SIGNAL_MS) return;
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stoppingSince = performance.now();
      log.info({ signal }, 'shutting down');
      running.stop().then(resolve, (err) => {
        log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  log.info('stopped');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
