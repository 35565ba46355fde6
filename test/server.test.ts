import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DEMO_ARTICLE } from '../src/demo/content.js';

/**
 * The real first run, as `npm start` does it: a new database file is created, migrated and
 * filled with the demo; the server answers; SIGTERM stops it cleanly with exit code 0.
 */
t.test('first run: serve on a new database, demo content, graceful shutdown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-serve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'db', 'masthead.db'), LOG_LEVEL: 'info', MASTHEAD_DEMO: 'on', WEBHOOKS_WORKER: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  t.teardown(() => clearTimeout(killer));
  let log = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${log}`)));
  });
  t.match(log, /No API key existed, so an admin key was created/, 'the first admin key is announced');

  const health = await fetch(`${base}/healthz`);
  t.equal(health.status, 200);
  const list = (await (await fetch(`${base}/v1/articles?limit=1`)).json()) as { data: { title: string }[] };
  t.equal(list.data[0]?.title, DEMO_ARTICLE.title, 'the seed article is served');
  t.equal((await fetch(`${base}/docs/`)).status, 200, 'the API reference is served');

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM stops the server with exit code 0');
  t.match(log, /shutting down/);
});

/** The factor V8 uses for the old generation's next limit after one full collection, in a child where `limitHeapGrowth(percent)` ran. */
function heapFactorAfter(percent: number): string {
  const code = `import { limitHeapGrowth } from ${JSON.stringify(new URL('../src/server.ts', import.meta.url).href)};\nlimitHeapGrowth(${percent});\nglobalThis.gc();`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--trace-gc-verbose', '--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  const limits = [...out.matchAll(/\[HeapController\] Limit: old size: \d+ KB, new limit: \d+ KB \(([\d.]+)\)/g)];
  return limits.at(-1)?.[1] ?? 'none';
}

t.test('HEAP_GROWING_PERCENT reaches V8 at run time, without node flags', async (t) => {
  t.equal(heapFactorAfter(20), '1.2', 'the next full collection comes once the heap is 1.2× what survived');
  t.not(heapFactorAfter(0), '1.2', '0 leaves V8 its own factor');
});
