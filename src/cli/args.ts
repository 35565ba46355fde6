import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line the command cannot run: the message says what is wrong; the caller prints usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const quoted = (message: string) => /'([^']+)'/.exec(message)?.[1];

/** node's parseArgs messages (with their stack and error code) as one line naming the flag as it was typed. */
function describeParseError(error: Error & { code?: string }): string {
  const subject = quoted(error.message) ?? '';
  const flag = subject.replace(/ <value>$/, '').replace(/^-\w, /, '');
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${subject}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${subject}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(error.message)) return `${flag} takes no value`;
      if (/ambiguous/.test(error.message)) return `${flag} needs a value (one that starts with - is given as ${flag}=-…)`;
      return `${flag} needs a value`;
    default:
      return error.message.split('\n')[0]!;
  }
}

/** `parseArgs`, strict, whose refusals are UsageErrors with a plain message instead of a TypeError's stack. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const e = error as Error & { code?: string };
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(describeParseError(e));
    throw error;
  }
}

/** `--help` or `-h` anywhere before a `--` terminator. */
export function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The flag a user types for a field of a query schema: batchSize → --batch-size. */
export const flagOf = (field: PropertyKey) => `--${String(field).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-]\d{2}:\d{2}))?$/;

/**
 * A point in time as a user types it: a date (2020-01-01, which means its midnight UTC) or a date
 * and time with its offset (2020-01-01T08:00:00Z, 2020-01-01T16:00:00+08:00), as the UTC RFC 3339
 * string the API takes. Null when it is neither (or names a day that does not exist).
 */
export function parseTimeFlag(raw: string): string | null {
  const m = RFC3339.exec(raw.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCFullYear() !== Number(y) || day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const ms = m[4] === undefined ? day.getTime() : Date.parse(raw.trim().replace(' ', 'T'));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export const TIME_FLAG_NEEDS = 'needs a date (2020-01-01, from midnight UTC) or a date and time with its offset (2020-01-01T08:00:00Z, 2020-01-01T16:00:00+08:00)';
