import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from './helpers/cli.js';

/**
 * Every `curl` and `masthead` example in README.md and docs/*.md, run as written (with real curl
 * and the real command) against a server started on the demo database, in the order a reader meets
 * them: each must answer 2xx (masthead: exit 0), and an import must report no failed line. Blocks
 * fenced as `text` are synopses and are not run; other commands (npm ci, docker, bench) are listed.
 */

const ADMIN = 'mh_docs-examples-admin-key-0000';
const NOT_RUN = /^(npm (ci|start|test|run (bench|build|coverage|test:newcomer))|npx tap|docker|node --import tsx bench\/)\b/;

type Example = { file: string; line: number; command: string };

/** Shell commands of a block: continuation lines and multi-line quotes joined, comments dropped. */
function shellCommands(body: string): string[] {
  const commands: string[] = [];
  let current = '';
  let quote: string | null = null;
  let joiner = '';
  for (const raw of body.split('\n')) {
    let line = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]!))) break;
      line += c;
    }
    current += (current ? joiner : '') + line.trimEnd();
    // A newline inside quotes is part of the argument; a backslash at the end continues the line.
    joiner = '\n';
    if (quote) continue;
    if (current.endsWith('\\')) {
      current = current.slice(0, -1);
      joiner = ' ';
      continue;
    }
    if (current.trim()) commands.push(current.trim());
    current = '';
  }
  return commands;
}

function examples(): { run: Example[]; skipped: Example[]; ndjson: string[] } {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  const run: Example[] = [];
  const skipped: Example[] = [];
  const ndjson: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, m.index).split('\n').length;
      if (m[1] === 'ndjson') ndjson.push(m[2]!);
      if (m[1] !== 'sh') continue;
      for (const command of shellCommands(m[2]!)) (NOT_RUN.test(command) ? skipped : run).push({ file, line, command });
    }
  }
  return { run, skipped, ndjson };
}

/** The example as it runs here: the test server's address, `masthead` however the docs spell it. */
const adapt = (command: string, base: string) =>
  command
    .replace(/https?:\/\/(localhost|127\.0\.0\.1):3000/g, base)
    .replace(/^(npx masthead|npm run masthead --)(?=\s|$)/, 'masthead')
    .replace(/^curl /, "curl -w '\\n@@status=%{http_code}\\n' ");

t.test('every curl and masthead example in the README and docs/ runs on the demo database', async (t) => {
  const { run, skipped, ndjson } = examples();
  t.ok(run.length > 25, `${run.length} examples found`);
  t.same([...new Set(skipped.map((e) => e.command.split(' ').slice(0, 2).join(' ')))].sort(), ['docker build', 'docker run', 'node --import', 'npm ci', 'npm run', 'npm test', 'npx tap'], 'the commands not run are installs, tests, docker and benchmarks');
  const curl = spawnSync('curl', ['--version']);
  if (curl.error) throw new Error('this test runs the examples with curl: install it (apt-get install curl)');

  const dir = t.testdir({ 'seed.ndjson': ndjson.join(''), bin: {} });
  writeFileSync(join(dir, 'bin', 'masthead'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'src/cli/bin.mjs')}" "$@"\n`);
  chmodSync(join(dir, 'bin', 'masthead'), 0o755);
  const env = {
    ...process.env,
    PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
    DATABASE_PATH: join(dir, 'demo.db'),
    HOST: '127.0.0.1',
    PORT: '0',
    MASTHEAD_DEMO: 'on',
    MASTHEAD_ADMIN_KEY: ADMIN,
    WEBHOOKS_WORKER: 'off',
    RATE_LIMIT: 'off',
    LOG_LEVEL: 'info',
    KEY: ADMIN,
    ADMIN,
    ADMIN_KEY: ADMIN,
    MASTHEAD_KEY: ADMIN,
  };
  const server = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const killer = setTimeout(() => server.kill('SIGKILL'), 240_000);
  t.teardown(() => {
    clearTimeout(killer);
    server.kill('SIGTERM');
  });
  const base = await new Promise<string>((resolve, reject) => {
    let log = '';
    server.stdout.on('data', (chunk: Buffer) => {
      log += chunk;
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${log}`)));
  });

  // Assignments (API=…, AUTH=…) hold for the rest of their file, as in a reader's shell.
  let file = '';
  let assignments: string[] = [];
  for (const example of run) {
    if (example.file !== file) [file, assignments] = [example.file, []];
    const command = adapt(example.command, base);
    if (/^[A-Z_][A-Z0-9_]*=("[^"]*"|'[^']*'|\S+)$/.test(command)) {
      assignments.push(command);
      continue;
    }
    const where = `${example.file}:${example.line}: ${example.command.split('\n')[0]}`;
    const res = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn('bash', ['-c', [...assignments, command].join('\n')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stderr.on('data', (c: Buffer) => (err += c));
      child.on('close', (code) => resolve({ code, out, err }));
    });
    const output = { stdout: res.out.slice(-2000), stderr: res.err.slice(-2000) };
    t.equal(res.code, 0, `${where}: exits 0`, output);
    if (command.startsWith('curl ')) t.match(res.out, /@@status=2\d\d\n$/, `${where}: answers 2xx`, output);
    t.notMatch(res.out, /"failed":[1-9]|\s[1-9]\d* failed \(/, `${where}: no failed import line`, output);
  }
});
