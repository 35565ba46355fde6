/**
 * Compares ways to index Chinese text in SQLite FTS5 on the labelled evaluation set, and times
 * them on 1,000 seed-sized paragraphs (best of 7 runs). Run: node --import tsx bench/search-eval.ts
 */
import Database from 'better-sqlite3';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { EVAL_ARTICLES, EVAL_QUERIES, type EvalQuery } from '../test/search/eval-set.js';
import { parseSearchQuery, splitQueryTerms, type QueryTerm } from '../src/search/query.js';
import { ftsMatch, ftsString } from '../src/store/sqlite/fts.js';
import { FTS5_TOKENIZE, normalizeForSearch, segmentForIndex } from '../src/search/segment.js';

type Approach = {
  name: string;
  tokenize: string;
  columns: string[];
  /** The value of each column for one text. */
  index(text: string): string[];
  match(q: string): string | null;
};

const jiebaStart = performance.now();
const jieba = Jieba.withDict(dict);
const jiebaLoadMs = performance.now() - jiebaStart;
const intl = new Intl.Segmenter('zh', { granularity: 'word' });
const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;

const intlWords = (text: string) =>
  Array.from(intl.segment(normalizeForSearch(text)), (s) => (s.isWordLike ? s.segment : '')).filter(Boolean);
const jiebaWords = (text: string, search: boolean, hmm: boolean) =>
  (search ? jieba.cutForSearch(normalizeForSearch(text), hmm) : jieba.cut(normalizeForSearch(text), hmm)).filter(
    (w) => HAS_WORD_CHAR.test(w),
  );
const CJK_ONLY = /^[\p{scx=Han}]+$/u;
const RUN = /[\p{scx=Han}]+|(?:(?!\p{scx=Han})[\p{L}\p{N}\p{M}])+/gu;

/** The textbook scheme, for contrast: a CJK run is its bigrams (a lone character stays alone). */
const plainBigrams = (text: string) =>
  Array.from(normalizeForSearch(text).matchAll(RUN), ([run]) => {
    const chars = Array.from(run);
    if (!CJK_ONLY.test(run) || chars.length === 1) return [run];
    return chars.slice(1).map((char, i) => chars[i] + char);
  }).flat();
const plainBigramMatch = (q: string) => {
  const phrases = splitQueryTerms(q)
    .map((term) => plainBigrams(term.text).map(ftsString).join(' + '))
    .filter(Boolean);
  return phrases.length ? phrases.join(' AND ') : null;
};

/** Word-segmented approaches: a term's words are ANDed, a quoted phrase's words must be near. */
function wordMatch(q: string, words: (text: string) => string[]): string | null {
  const parts = splitQueryTerms(q).flatMap((term: QueryTerm) => {
    const found = words(term.text).map(ftsString);
    if (found.length === 0) return [];
    return term.quoted && found.length > 1 ? [`NEAR(${found.join(' ')}, 3)`] : found;
  });
  return parts.length ? parts.join(' AND ') : null;
}

const fromParsed = (q: string) => {
  const parsed = parseSearchQuery(q);
  return 'query' in parsed ? ftsMatch(parsed.query) : null;
};

const APPROACHES: Approach[] = [
  {
    name: 'unicode61 (no segmentation)',
    tokenize: FTS5_TOKENIZE,
    columns: ['body'],
    index: (text) => [normalizeForSearch(text)],
    match: (q) => wordMatch(q, (text) => [normalizeForSearch(text)]),
  },
  {
    name: '(a) Intl.Segmenter words',
    tokenize: FTS5_TOKENIZE,
    columns: ['body'],
    index: (text) => [intlWords(text).join(' ')],
    match: (q) => wordMatch(q, intlWords),
  },
  {
    name: '(b) jieba cutForSearch, no HMM',
    tokenize: FTS5_TOKENIZE,
    columns: ['body'],
    index: (text) => [jiebaWords(text, true, false).join(' ')],
    match: (q) => wordMatch(q, (text) => jiebaWords(text, false, false)),
  },
  {
    name: '(b) jieba cutForSearch, HMM',
    tokenize: FTS5_TOKENIZE,
    columns: ['body'],
    index: (text) => [jiebaWords(text, true, true).join(' ')],
    match: (q) => wordMatch(q, (text) => jiebaWords(text, false, true)),
  },
  {
    name: '(c) CJK bigrams, plain',
    tokenize: FTS5_TOKENIZE,
    columns: ['body'],
    index: (text) => [plainBigrams(text).join(' ')],
    match: plainBigramMatch,
  },
  {
    name: '(c) CJK bigrams + end unigram (chosen)',
    tokenize: FTS5_TOKENIZE,
    columns: ['body'],
    index: (text) => [segmentForIndex(text)],
    match: fromParsed,
  },
  {
    name: '(c) CJK bigrams + jieba words column',
    tokenize: FTS5_TOKENIZE,
    columns: ['body', 'words'],
    index: (text) => [
      segmentForIndex(text),
      jiebaWords(text, true, true)
        .filter((w) => CJK_ONLY.test(w))
        .join(' '),
    ],
    match: fromParsed,
  },
  {
    name: '(d) trigram tokenizer',
    tokenize: 'trigram remove_diacritics 1',
    columns: ['body'],
    index: (text) => [normalizeForSearch(text)],
    match: (q) => wordMatch(q, (text) => [normalizeForSearch(text)]),
  },
];

function createTable(db: Database.Database, approach: Approach): Database.Statement {
  db.exec(`CREATE VIRTUAL TABLE docs USING fts5(${approach.columns.join(', ')}, tokenize = '${approach.tokenize}')`);
  const slots = approach.columns.map(() => '?').join(', ');
  return db.prepare(`INSERT INTO docs (rowid, ${approach.columns.join(', ')}) VALUES (?, ${slots})`);
}

function search(db: Database.Database, match: string | null): string[] {
  if (match === null) return [];
  const rows = db.prepare('SELECT rowid AS id FROM docs WHERE docs MATCH ? ORDER BY rank').all(match) as { id: number }[];
  return rows.map((row) => EVAL_ARTICLES[row.id - 1]!.id);
}

type Score = {
  found: number;
  mustFind: number;
  falseHits: number;
  crossWord: number;
  best: number;
  bestOf: number;
  misses: string[];
};

function evaluate(approach: Approach): Score {
  const db = new Database(':memory:');
  const insert = createTable(db, approach);
  EVAL_ARTICLES.forEach((article, i) => insert.run(i + 1, ...approach.index(`${article.title}\n${article.body}`)));
  const score: Score = { found: 0, mustFind: 0, falseHits: 0, crossWord: 0, best: 0, bestOf: 0, misses: [] };
  for (const query of EVAL_QUERIES) scoreQuery(score, query, search(db, approach.match(query.q)));
  db.close();
  return score;
}

function scoreQuery(score: Score, query: EvalQuery, hits: string[]): void {
  for (const id of query.mustFind) {
    score.mustFind++;
    if (hits.includes(id)) score.found++;
    else score.misses.push(`${query.q} ✗${id}`);
  }
  for (const id of query.mustNotFind) {
    if (!hits.includes(id)) continue;
    score.falseHits++;
    score.misses.push(`${query.q} +${id}`);
  }
  score.crossWord += (query.crossWord ?? []).filter((id) => hits.includes(id)).length;
  if (query.best === undefined) return;
  score.bestOf++;
  if (hits[0] === query.best) score.best++;
  else score.misses.push(`${query.q} first=${hits[0] ?? '-'}`);
}

/** 1,000 paragraphs cycled from the evaluation articles (the seed's are 150–1,500 characters). */
const PARAGRAPHS = Array.from({ length: 1000 }, (_, i) => {
  const all = EVAL_ARTICLES.flatMap((article) => article.body.split('\n\n'));
  return all[i % all.length]!;
});

function time(approach: Approach) {
  const db = new Database(':memory:');
  const insert = createTable(db, approach);
  let start = performance.now();
  const rows = PARAGRAPHS.map((text) => approach.index(text));
  const segmentMs = performance.now() - start;
  start = performance.now();
  db.transaction(() => rows.forEach((values, i) => insert.run(i + 1, ...values)))();
  const insertMs = performance.now() - start;
  const { bytes } = db.prepare('SELECT sum(length(block)) AS bytes FROM docs_data').get() as { bytes: number };
  const rounds = 20;
  start = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const query of EVAL_QUERIES) {
      const match = approach.match(query.q);
      if (match !== null) db.prepare('SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 20').all(match);
    }
  }
  const queryUs = ((performance.now() - start) * 1000) / (rounds * EVAL_QUERIES.length);
  db.close();
  return { segmentMs, insertMs, kib: bytes / 1024, queryUs };
}

/** The best of several runs of each measure: the machine is shared, and noise only adds time. */
function fastest(approach: Approach, runs: number) {
  const all = Array.from({ length: runs }, () => time(approach));
  const min = (key: keyof (typeof all)[number]) => Math.min(...all.map((run) => run[key]));
  return { segmentMs: min('segmentMs'), insertMs: min('insertMs'), kib: min('kib'), queryUs: min('queryUs') };
}

const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)} %`);

console.log(`jieba dictionary load: ${jiebaLoadMs.toFixed(0)} ms (once per process)\n`);
console.log('| approach | recall | precision | must-not hits | cross-word hits | best first | segment 1k ¶ | insert 1k ¶ | index size | query |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const failures: string[] = [];
for (const approach of APPROACHES) {
  const s = evaluate(approach);
  const t = fastest(approach, 7);
  const precision = pct(s.found, s.found + s.falseHits);
  console.log(
    `| ${approach.name} | ${pct(s.found, s.mustFind)} (${s.found}/${s.mustFind}) | ${precision} | ${s.falseHits} | ${s.crossWord} | ` +
      `${s.best}/${s.bestOf} | ${t.segmentMs.toFixed(1)} ms | ${t.insertMs.toFixed(1)} ms | ${t.kib.toFixed(0)} KiB | ` +
      `${t.queryUs.toFixed(0)} µs |`,
  );
  failures.push(`${approach.name}: ${s.misses.join(', ') || 'none'}`);
}
console.log(`\n${EVAL_QUERIES.length} queries, ${EVAL_ARTICLES.length} articles. Failures (✗ missed, + must-not hit):`);
for (const line of failures) console.log(`- ${line}`);
