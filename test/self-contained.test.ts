import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

/**
 * A fresh clone must pass its own tests: nothing under test/, bench/, scripts/ or src/ may name a
 * file outside the repository. Every string literal is checked: a relative path ('./', '../')
 * must resolve inside the project; an absolute one may only point into the kernel's /proc and
 * /dev; and nothing may name a `shared/` folder beside the project, as the tests once did.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const TREES = ['src', 'test', 'bench', 'scripts'];
const FILE_ROOTS = /^\/(?:work|home|root|tmp|usr|etc|var|opt|mnt|srv|Users|private)(?:\/|$)/;
const LITERAL = /'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(?:[cm]?[jt]s|sh)$/.test(entry.name)) yield path;
  }
}

/** The problems with one string literal of `file`, or none. */
export function outsideReads(file: string, literal: string): string[] {
  const problems: string[] = [];
  if (/(?:^|[/\\])shared[/\\](?:seed|standards|tools|hooks)\b|\.\.[/\\]shared\b/.test(literal)) problems.push(`names a shared/ folder: ${literal}`);
  if (FILE_ROOTS.test(literal)) problems.push(`absolute path: ${literal}`);
  const rel = /^(\.\.?\/[^\s'"`$]*)/.exec(literal)?.[1];
  if (rel) {
    const target = resolve(dirname(file), rel);
    if (target !== ROOT && !target.startsWith(ROOT + sep)) problems.push(`leaves the project: ${literal} → ${target}`);
  }
  return problems;
}

t.test('no file under src/, test/, bench/ or scripts/ reads above the project root or an absolute path', async (t) => {
  let files = 0;
  const found: string[] = [];
  for (const tree of TREES) {
    let entries: Generator<string>;
    try {
      readdirSync(join(ROOT, tree));
      entries = sourceFiles(join(ROOT, tree));
    } catch {
      continue;
    }
    for (const file of entries) {
      if (file === SELF) continue; // its literals are the examples below
      files++;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(LITERAL)) {
        const literal = m[1] ?? m[2] ?? m[3] ?? '';
        for (const problem of outsideReads(file, literal)) found.push(`${relative(ROOT, file)}: ${problem}`);
      }
    }
  }
  t.ok(files > 100, `scanned ${files} files`);
  t.same(found, [], 'every path a file names is inside the repository');
});

t.test('the check is not vacuous: it catches what the tests used to do', async (t) => {
  const file = join(ROOT, 'test', 'ninjs', 'seed.ts');
  // Built from parts, so that no literal of this file names the folder beside the project itself.
  const beside = ['shared', 'seed', '000_1c8763f15fd8f122.txt'].join('/');
  t.match(outsideReads(file, `../../../${beside}`), [/shared/, /leaves the project/]);
  t.match(outsideReads(file, `/work/${beside}`), [/shared/, /absolute path/]);
  t.match(outsideReads(join(ROOT, 'src', 'x.ts'), '../../elsewhere/file.json'), [/leaves the project/]);
  t.same(outsideReads(file, '../fixtures/seed/000_1c8763f15fd8f122.txt'), [], 'a fixture in the repository is fine');
  t.same(outsideReads(join(ROOT, 'src', 'db', 'connection.ts'), '../../migrations'), [], 'the migrations folder is fine');
  t.same(outsideReads(file, '/v1/articles'), [], 'a URL path is not a file path');
  t.same(outsideReads(file, '/proc/self/stat'), [], "the kernel's /proc is not a file of someone else's");
});
