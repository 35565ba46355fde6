/**
 * Makes tap's coverage measure the TypeScript sources: `npm test` runs this after tap and before
 * `tap report`, which prints the table and checks the thresholds of package.json's "tap" section.
 *
 * tsx leaves the original text out of its inline source maps (`sourcesContent: [null]`) unless
 * NODE_V8_COVERAGE is set, and tap collects coverage through the inspector instead. c8 then
 * takes that `null` for the original file and counts one statement per file: 100 % of nothing,
 * so no threshold could ever fail. Filling in each file's own text here (for every process the
 * tests started: test files, servers, CLI runs, worker threads) lets the report map the data
 * back to the lines of src/.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = new URL('../.tap/coverage/', import.meta.url);
const sources = new Map();
const textOf = (url) => {
  if (!sources.has(url)) {
    try {
      sources.set(url, readFileSync(fileURLToPath(url), 'utf8'));
    } catch {
      sources.set(url, null);
    }
  }
  return sources.get(url);
};

if (!existsSync(dir)) {
  console.error('# coverage: no data in .tap/coverage (a run with --disable-coverage, or none yet): run tap first');
  process.exit(1);
}

let files = 0;
let maps = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
  const file = new URL(name, dir);
  const cov = JSON.parse(readFileSync(file, 'utf8'));
  let changed = false;
  for (const entry of Object.values(cov['source-map-cache'] ?? {})) {
    const map = entry?.data;
    if (map?.sources?.length !== 1 || map.sourcesContent?.[0] || !String(map.sources[0]).startsWith('file:')) continue;
    const text = textOf(map.sources[0]);
    if (text == null) continue;
    map.sourcesContent = [text];
    changed = true;
    maps++;
  }
  if (changed) {
    writeFileSync(file, JSON.stringify(cov));
    files++;
  }
}
console.log(`# coverage: source text filled into ${maps} source maps of ${files} processes`);
