import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { freePort, hasStack, runCli, runEach } from '../helpers/cli.js';

/**
 * `masthead` as a user meets it, one process per command: usage errors are a line and the usage
 * (exit 2), expected failures one line (exit 1), never a stack.
 */

t.test('a mistyped command line prints what is wrong and the usage, exit 2, no stack', async (t) => {
  const dir = t.testdir({ 'seed.ndjson': '{"type":"section","slug":"tianjin","name":"天津"}\n' });
  const env = { DATABASE_PATH: join(dir, 'cli.db') };
  const file = join(dir, 'seed.ndjson');
  const cases: [string[], RegExp, RegExp][] = [
    [['export', '--bogus'], /^unknown option --bogus\n/, /masthead export \[--out FILE\]/],
    [['import', file, '--batch-size', '0'], /^--batch-size: needs a whole number from 1 to 10000\n/, /masthead import FILE/],
    [['export', '--updated-since', 'yesterday'], /^--updated-since: needs a date \(2020-01-01, from midnight UTC\) or a date and time/, /masthead export/],
    [['migrate', '--dry-run'], /^unknown option --dry-run\n/, /masthead migrate/],
    [['openapi', 'out.json'], /^unexpected argument out\.json\n/, /masthead openapi/],
    [['keys', 'create', '--nmae', 'x'], /^unknown option --nmae\n/, /masthead keys create/],
    [['frobnicate'], /^Unknown command: frobnicate\n/, /masthead serve/],
  ];
  // keys opens (and migrates) its database before it reads its arguments: give it its own.
  const runs = await runEach(cases.map(([args]) => ({ args, env: args[0] === 'keys' ? { DATABASE_PATH: join(dir, 'keys.db') } : env })));
  cases.forEach(([args, message, usage], i) => {
    const run = runs[i]!;
    const name = `masthead ${args.join(' ')}`;
    t.equal(run.code, 2, `${name}: exit 2`);
    t.match(run.stderr, message, `${name}: says what is wrong`);
    t.match(run.stderr, usage, `${name}: prints the usage`);
    t.notOk(hasStack(run.stderr), `${name}: no stack`);
    t.notMatch(run.stderr, /--batchSize|--updatedSince|--dryRun/, `${name}: flags as users type them`);
  });
  t.notOk(existsSync(env.DATABASE_PATH), 'no refused command touched the database');
});

t.test('--help and help COMMAND print help and do nothing else', async (t) => {
  const dir = t.testdir();
  const env = { DATABASE_PATH: join(dir, 'help.db') };
  const cases: [string[], RegExp][] = [
    [['migrate', '--help'], /^Usage:\n {2}masthead migrate /],
    [['keys', 'create', '-h'], /masthead keys create --name NAME/],
    [['help', 'export'], /--updated-since DATE\|TIME/],
    [['help'], /^masthead — a headless CMS for newsrooms[\s\S]*npx masthead/],
  ];
  const runs = await runEach(cases.map(([args]) => ({ args, env })));
  cases.forEach(([args, help], i) => {
    t.equal(runs[i]!.code, 0, `masthead ${args.join(' ')}: exit 0`);
    t.match(runs[i]!.stdout, help, `masthead ${args.join(' ')}: its help`);
    t.equal(runs[i]!.stderr, '');
  });
  t.notOk(existsSync(env.DATABASE_PATH), 'migrate --help migrated nothing');
  const unknown = await runCli(['help', 'nope'], { env });
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /^Unknown command: nope/);
});

t.test('a server that cannot be reached is one line naming it, exit 1', async (t) => {
  const dir = t.testdir({ 'seed.ndjson': '{"type":"section","slug":"tianjin","name":"天津"}\n' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [exported, imported] = await Promise.all([
    runCli(['export', '--url', url, '--key', 'mh_x']),
    runCli(['import', join(dir, 'seed.ndjson'), '--url', `${url}/`, '--key', 'mh_x']),
  ]);
  for (const run of [exported, imported]) {
    t.equal(run.code, 1);
    t.equal(run.stderr.trim().split('\n').at(-1), `cannot reach ${url}: connection refused: is the server running, and is that its address? (ECONNREFUSED)`);
    t.notOk(hasStack(run.stderr));
  }
  t.equal(exported.stdout, '', 'nothing written to stdout');
});

t.test('serve on a busy port, and a file that is not a database: one line each, exit 1', async (t) => {
  const dir = t.testdir({ 'junk.db': 'not a database, but long enough to have a header of a hundred bytes or so: '.repeat(3) });
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => busy.close());
  const { port } = busy.address() as { port: number };
  const junk = join(dir, 'junk.db');
  const [serve, keys] = await Promise.all([
    runCli(['serve'], { env: { PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'serve.db'), MASTHEAD_DEMO: 'off', MASTHEAD_ADMIN_KEY: 'mh_abcdefghijklmnopqrstuvwxyz' } }),
    runCli(['keys', 'list'], { env: { DATABASE_PATH: junk } }),
  ]);
  t.equal(serve.code, 1);
  t.equal(serve.stderr, `cannot listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE); stop what listens there, or set PORT to another port\n`);
  t.equal(keys.code, 1);
  t.equal(keys.stderr, `${junk}: file is not a database (SQLITE_NOTADB)\n`);

  const config = await runCli(['migrate'], { env: { DATABASE_PATH: join(dir, 'x.db'), LOG_LEVEL: 'loud' } });
  t.equal(config.code, 1);
  t.match(config.stderr, /LOG_LEVEL/, 'a bad setting names the variable');
  t.notOk(hasStack(config.stderr));

  writeFileSync(join(dir, 'file'), '');
  const notFolder = await runCli(['migrate'], { env: { DATABASE_PATH: join(dir, 'file', 'x.db') } });
  t.equal(notFolder.code, 1);
  t.equal(notFolder.stderr, `${join(dir, 'file')}: exists and is not a folder (EEXIST)\n`);
});
