import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { TransferIo } from '../../src/cli/import.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** Runs `masthead ARGS` as a user does (node, tsx, src/cli/main.ts) in its own process; never hangs past `timeoutMs`. */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', WEBHOOKS_WORKER: 'off', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A port nothing listens on right now (bound, then let go). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when stderr shows a stack trace ("    at fn (file:line)") or a raw error class. */
export const hasStack = (text: string) => /^\s+at .+[:(]/m.test(text) || /\b(TypeError|SqliteError) \[?/.test(text);

/** Runs each command line, a few at a time (more would only queue on a small machine), in order of the input. */
export async function runEach(commands: { args: string[]; env?: Record<string, string> }[], concurrency = 3): Promise<CliRun[]> {
  const results: CliRun[] = new Array(commands.length);
  let next = 0;
  const worker = async () => {
    while (next < commands.length) {
      const i = next++;
      results[i] = await runCli(commands[i]!.args, { env: commands[i]!.env });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, commands.length) }, worker));
  return results;
}

/** In-process io for the transfer commands: stdout lines, stderr lines, the progress stream and the raw data written. */
export function captureIo(stdout: NodeJS.WritableStream = new PassThrough(), tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  let progress = '';
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const io: TransferIo & { stdout: NodeJS.WritableStream } = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    progress: { write: (s: string) => (progress += s), isTTY: tty },
    stdin: Readable.from([]),
    stdout,
  };
  return { io, out, err, progress: () => progress, data: () => Buffer.concat(chunks).toString('utf8') };
}
