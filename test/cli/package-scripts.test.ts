import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from '../helpers/cli.js';

/** Alive, and not a zombie waiting for its parent to reap it. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * `npm start` as a service manager runs it: SIGTERM goes to npm, which passes it to its child. The
 * server must be that child (not a shell in between that dies and leaves it behind) and stop.
 */
t.test('SIGTERM to `npm start` stops the server', async (t) => {
  const dir = t.testdir();
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'start.db'), MASTHEAD_DEMO: 'off', WEBHOOKS_WORKER: 'off', LOG_LEVEL: 'info', npm_config_update_notifier: 'false', TMPDIR: tmpdir() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let serverPid = 0;
  const killer = setTimeout(() => npm.kill('SIGKILL'), 120_000);
  t.teardown(() => {
    clearTimeout(killer);
    if (serverPid && running(serverPid)) process.kill(serverPid, 'SIGKILL');
  });
  const base = await new Promise<string>((resolve, reject) => {
    npm.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const m = /"pid":(\d+),[^\n]*Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        serverPid = Number(m[1]);
        resolve(m[2]!);
      }
    });
    npm.once('exit', (code) => reject(new Error(`npm start exited early with ${code}: ${log}`)));
  });
  t.equal((await fetch(`${base}/healthz`)).status, 200, 'the server answers');
  t.not(serverPid, npm.pid, 'the server is its own process');

  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  npm.kill('SIGTERM');
  t.equal(await exited, 0, 'npm exits with the server, cleanly');
  t.match(log, /"signal":"SIGTERM"[^\n]*shutting down/, 'the server got the signal itself');
  t.notOk(running(serverPid), 'and no server process is left behind');
});

t.test("package.json's bin (npx masthead, a global install) runs the sources from any folder, no build needed", async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { masthead: string } };
  const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, pkg.bin.masthead), 'migrate', '--help'], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.on('close', (code) => resolve({ code, out }));
  });
  t.equal(run.code, 0);
  t.match(run.out, /^Usage:\n {2}masthead migrate/);
});
