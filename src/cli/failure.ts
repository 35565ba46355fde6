import { ConfigError } from '../config.js';
import { StoreUnusable } from '../store/port.js';
import { UsageError } from './args.js';

/** A failure the user can act on, already worded: printed as it is, exit code 1, no stack. */
export class CliFailure extends Error {
  override name = 'CliFailure';
}

type SystemError = Error & { code?: string; syscall?: string; path?: string; address?: string; port?: number; hostname?: string; cause?: unknown };

/** What the error codes users meet mean, in words. */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
  EEXIST: 'already exists',
  ECONNREFUSED: 'connection refused: is the server running, and is that its address?',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection broke off',
  EHOSTUNREACH: 'no route to that host',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up now',
};

const wordsOf = (e: SystemError) => (e.code && WORDS[e.code] ? `${WORDS[e.code]} (${e.code})` : e.code ? `${e.message} (${e.code})` : e.message);

/** `listen` failures of `masthead serve`, with what to change. */
function listenFailure(e: SystemError): string {
  const where = `${e.address ?? e.hostname ?? 'HOST'}${e.port !== undefined ? `:${e.port}` : ''}`;
  if (e.code === 'EADDRINUSE') return `cannot listen on ${where}: the address is already in use (EADDRINUSE); stop what listens there, or set PORT to another port`;
  if (e.code === 'EACCES') return `cannot listen on ${where}: permission denied (EACCES); ports below 1024 need privileges, set PORT to a higher one`;
  if (e.code === 'EADDRNOTAVAIL') return `cannot listen on ${where}: that is not an address of this machine (EADDRNOTAVAIL); set HOST to one (127.0.0.1, 0.0.0.0)`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `cannot listen on ${where}: HOST is not a known host name (${e.code})`;
  return `cannot listen on ${where}: ${wordsOf(e)}`;
}

/**
 * The one line to print for an expected failure — bad configuration, a file or database that
 * cannot be used, a server that cannot be reached, an address that is taken — or null for
 * anything else, which is a bug and keeps its stack.
 */
export function describeFailure(error: unknown): string | null {
  if (error instanceof CliFailure || error instanceof ConfigError || error instanceof StoreUnusable) return error.message;
  if (!(error instanceof Error)) return null;
  const e = error as SystemError;
  if (isSqliteError(e)) return `the database cannot be used: ${e.message} (${e.code})`;
  if (e.syscall === 'mkdir' && e.code === 'EEXIST') return `${e.path}: exists and is not a folder (EEXIST)`;
  if (e.syscall === 'listen') return listenFailure(e);
  if (e.path !== undefined && e.code !== undefined) return `${e.path}: ${wordsOf(e)}`;
  if (e.code !== undefined && WORDS[e.code]) return wordsOf(e);
  return null;
}

const isSqliteError = (e: unknown): e is SystemError & { code: string } =>
  e instanceof Error && e.name === 'SqliteError' && typeof (e as SystemError).code === 'string';

/** Runs work on the database file at path; SQLite's refusals (not a database, disk full, locked) name the file. */
export async function onDatabase<T>(path: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isSqliteError(error)) throw new CliFailure(`${path}: ${error.message} (${error.code})`);
    throw error;
  }
}

/** True for a reader that went away (`masthead export | head`): not a failure worth a word. */
export const isClosedPipe = (error: unknown) => (error as SystemError | null)?.code === 'EPIPE';

/** fetch's own failures (`fetch failed`, `terminated`) name their reason only in `cause`. */
export function describeFetchFailure(error: unknown, url: URL): string | null {
  const e = error as SystemError;
  if (!(e instanceof TypeError) || !(e.cause instanceof Error)) return null;
  const cause = e.cause as SystemError;
  const reason = cause.code && WORDS[cause.code] ? wordsOf(cause) : cause.message;
  if (e.message === 'terminated') return `the connection to ${url.origin} broke off: ${reason}`;
  return `cannot reach ${url.origin}: ${reason}`;
}

type ErrIo = { err: (line: string) => void };

/**
 * Runs a command and turns what it throws into what a user should see: a usage error is its line
 * and the usage (exit 2), an expected failure one line (exit 1), a closed stdout nothing (exit 0).
 * Anything else is a bug and is thrown on, stack and all.
 */
export async function guard(io: ErrIo, usage: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      io.err(`\nUsage:\n${usage}`);
      return 2;
    }
    if (isClosedPipe(error)) return 0;
    const line = describeFailure(error);
    if (line === null) throw error;
    io.err(line);
    return 1;
  }
}
