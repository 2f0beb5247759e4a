// Structured JSON logs (pino) on stdout, one logger per process; modules take children of it.
import { pino } from 'pino';
import type { Logger } from 'pino';

/** The process logger at the given level. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'spanbase' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** A logger that discards everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
