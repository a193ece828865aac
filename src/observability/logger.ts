/**
 * The gateway's logger (pino): one JSON object per line for log collectors, or a short readable
 * line for a terminal. Both carry the same fields; plain is JSON reformatted on the way out.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** As upstream's `service.log_format`. */
export const LOG_FORMATS = ['json', 'plain'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** As upstream's `service.log_level` (upstream spells them in capitals; either is accepted). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where lines go; standard output by default, written synchronously so none is lost on exit. */
  destination?: DestinationStream;
}

export function createLogger({ format, level, destination }: LoggerOptions): Logger {
  const out = destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // "info" rather than 30: what a person or a query in a log store expects.
      formatters: { level: (label) => ({ level: label }) },
    },
    format === 'plain' ? plainLines(out) : out,
  );
}

/** A logger that writes nothing, for gateways built without one (most tests). */
export const silentLogger: Logger = pino({ level: 'silent' });

const SHOWN_ELSEWHERE = new Set(['level', 'time', 'msg', 'pid', 'err']);

/** `12:00:01.234 INFO  message key=value …`, and an error's stack on the lines below. */
function plainLines(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
      const level = String(entry.level).toUpperCase().padEnd(5);
      const fields = Object.entries(entry)
        .filter(([key]) => !SHOWN_ELSEWHERE.has(key))
        .map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join('');
      const err = entry.err as { stack?: string; message?: string } | undefined;
      const stack = err ? `\n  ${(err.stack ?? err.message ?? '').split('\n').join('\n  ')}` : '';
      const message = typeof entry.msg === 'string' ? entry.msg : '';
      out.write(`${time} ${level} ${message}${fields}${stack}\n`);
    },
  };
}
