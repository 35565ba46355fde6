// PostgreSQL-specific: PostgreSQL servers of a test's own (a primary, a streaming replica of it) made with the server's binaries.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Test } from 'tap';

/**
 * Where initdb, pg_ctl and pg_basebackup are: PG_BINDIR, else the binaries of the server the suite
 * runs on (its pg_config view), so that primary and replica are the same PostgreSQL as the machine's.
 * The server is asked through TEST_DATABASE_URL as it is when asked: this module does not import
 * test/helpers/postgres.ts, so that a test group can start a server of its own and point
 * TEST_DATABASE_URL at it before that module reads it (serveGroup, below).
 */
let bin: string | null = null;
async function binDir(): Promise<string> {
  if (bin) return bin;
  if (process.env.PG_BINDIR) return (bin = process.env.PG_BINDIR);
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    bin = (await client.query<{ setting: string }>("SELECT setting FROM pg_config WHERE name = 'BINDIR'")).rows[0]!.setting;
  } finally {
    await client.end();
  }
  return bin;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The server refuses to run as root: as root (CI), its commands run as the `postgres` user, which owns the folders. */
const asRoot = process.getuid?.() === 0;
const postgresUid = () => Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
const postgresGid = () => Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());

function run(program: string, args: string[]): void {
  const file = join(bin!, program);
  const [command, all] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  execFileSync(command as string, all as string[], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/** One PostgreSQL server: `stop` is an immediate shutdown (as a crash or a failover ends it), `start` brings it back on the same port. */
export type Cluster = { url: string; port: number; data: string; stop(): void; start(): void };
export type Pair = {
  primary: Cluster;
  replica: Cluster;
  /** Runs SQL on the replica as the superuser (pg_wal_replay_pause(), and so on). */
  onReplica(sql: string): Promise<unknown[]>;
  /** Waits until the replica has replayed all the primary has written so far. */
  caughtUp(): Promise<void>;
};

/** Throw-away: no fsync (an immediate stop still loses nothing committed: synchronous_commit stays on); the socket in the test's own folder, the server on loopback only. */
const serverOptions = (port: number, dir: string, maxConnections: number) => `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${maxConnections}`;

/** A folder of the test's own for PostgreSQL servers, owned by the user they run as; every server in it stopped and the folder removed when the test ends. */
async function serverFolder(t: Pick<Test, 'teardown'>, maxConnections = 60) {
  await binDir();
  const dir = mkdtempSync(join(tmpdir(), 'masthead-pg-'));
  if (asRoot) chownSync(dir, postgresUid(), postgresGid());
  const made: Cluster[] = [];
  t.teardown(() => {
    for (const c of made.reverse()) {
      try {
        c.stop();
      } catch {
        // already stopped
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return async (name: string): Promise<Cluster> => {
    const port = await freePort();
    const data = join(dir, name);
    const cluster: Cluster = {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      data,
      start: () => run('pg_ctl', ['-D', data, '-o', serverOptions(port, dir, maxConnections), '-l', join(dir, `${name}.log`), '-w', '-t', '60', 'start']),
      stop: () => {
        if (existsSync(join(data, 'postmaster.pid'))) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      },
    };
    made.push(cluster);
    return cluster;
  };
}

const initdb = (cluster: Cluster) => run('initdb', ['-D', cluster.data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);

/**
 * A PostgreSQL server of the test's own (initdb), on a port the OS picked, that the test may stop
 * and start as an outage would: trust authentication on loopback, as the machine's server has.
 */
export async function startServer(t: Test): Promise<Cluster> {
  const server = await (await serverFolder(t))('primary');
  initdb(server);
  server.start();
  return server;
}

/**
 * A primary and a streaming replica of it, each a PostgreSQL server of its own on a port the OS
 * picked: initdb, then pg_basebackup -R (the replica follows the primary from its first WAL). Both
 * are stopped and their folders removed when the test ends.
 */
export async function startPair(t: Test): Promise<Pair> {
  const cluster = await serverFolder(t);
  const primary = await cluster('primary');
  const replica = await cluster('replica');
  initdb(primary);
  primary.start();
  run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', replica.data, '-R', '-X', 'stream', '-c', 'fast']);
  replica.start();

  const query = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    primary,
    replica,
    onReplica: (sql) => query(replica.url, sql),
    async caughtUp() {
      const { lsn } = ((await query(primary.url, 'SELECT pg_current_wal_lsn()::text AS lsn')) as { lsn: string }[])[0]!;
      for (let i = 0; i < 400; i++) {
        const { done } = ((await query(replica.url, `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS done`)) as { done: boolean }[])[0]!;
        if (done) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('the replica did not catch up in 10 s');
    },
  };
}

/**
 * A PostgreSQL server for a whole test group (test/groups/groups.ts, onServerOfItsOwn): the change
 * feed's fence is cluster-wide, so a group whose tests read the feed while another group's write
 * transactions run on the same server would wait behind them. A server of the group's own (same
 * binaries, RUM included) keeps the groups apart, so that they can run side by side. Stopped and
 * removed when the process's tests end.
 */
export async function serveGroup(t: Pick<Test, 'teardown'>): Promise<Cluster> {
  const server = await (await serverFolder(t, 200))('group');
  initdb(server);
  server.start();
  return server;
}
