import { spawn, type ChildProcess } from 'node:child_process';
import type { Test } from 'tap';
import { ROOT } from './cli.js';

/**
 * API nodes as a deployment runs them: each one a `masthead serve` process of its own (node, tsx,
 * src/cli/main.ts), on a port the OS picks, on loopback, all on one database. The tests of
 * test/nodes/ drive them over HTTP; nothing is shared between them but the database (and Redis
 * where a test sets REDIS_URL). Every node is killed when its test ends, and by a timer before that.
 */
export type Node = {
  name: string;
  base: string;
  child: ChildProcess;
  /** Everything the node logged so far (pino's JSON lines). */
  log: () => string;
  /** The node's log lines parsed. */
  lines: () => Record<string, unknown>[];
  /** SIGTERM (graceful shutdown) or SIGKILL (a crash); resolves with the exit code (null when killed by the signal). */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  /** fetch against the node, with the key given to startNodes as a bearer token unless `key: null`. */
  call: (path: string, init?: RequestInit & { key?: string | null; json?: unknown }) => Promise<Response>;
};

export type NodeOptions = { env?: Record<string, string>; key?: string; timeoutMs?: number };

export function startNode(t: Test, name: string, url: string, opts: NodeOptions = {}): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: url,
      DATABASE_PATH: '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      MASTHEAD_DEMO: 'off',
      RATE_LIMIT: 'off',
      WEBHOOKS_WORKER: 'off',
      // CI's two cores run nine test groups at once: PostgreSQL may take seconds to accept a connection.
      DATABASE_CONNECT_TIMEOUT_MS: '20000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (c: Buffer) => (log += c));
  child.stderr!.on('data', (c: Buffer) => (log += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
  t.teardown(async () => {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise<Node>((resolve, reject) => {
    const listening = () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (!m) return;
      child.stdout!.off('data', listening);
      const base = m[1]!;
      resolve({
        name,
        base,
        child,
        log: () => log,
        lines: () =>
          log
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        stop,
        call: (path, init = {}) => {
          const { key = opts.key ?? null, json, ...rest } = init;
          const headers = new Headers(rest.headers);
          if (key) headers.set('authorization', `Bearer ${key}`);
          if (json !== undefined) headers.set('content-type', 'application/json');
          return fetch(`${base}${path}`, { ...rest, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
        },
      });
    };
    child.stdout!.on('data', listening);
    void exited.then((code) => reject(new Error(`node ${name} exited with ${code} before listening:\n${log}`)));
  });
}

/** n nodes started at the same moment on one database. */
export const startNodes = (t: Test, n: number, url: string, opts: NodeOptions = {}) =>
  Promise.all(Array.from({ length: n }, (_, i) => startNode(t, String.fromCharCode(65 + i), url, opts)));

/** An admin key's secret for tests: MASTHEAD_ADMIN_KEY creates it on the first node to start. */
export const ADMIN_KEY = `mh_${'n'.repeat(43)}`;
