// SQLite-specific: holds the segmenter to FTS5's own tokenizer, in a scratch FTS5 table shaped like the articles index.
import Database from 'better-sqlite3';
import t from 'tap';
import { parseSearchQuery, SEARCH_QUERY_MAX, splitQueryTerms } from '../../src/search/query.js';
import { FTS5_TOKENIZE, normalizeForSearch, segmentForIndex, segmentQuery } from '../../src/search/segment.js';
import { ftsMatch } from '../../src/store/sqlite/fts.js';
import { EVAL_ARTICLES, EVAL_QUERIES } from './eval-set.js';

/** The query parsed, as the SQLite store's MATCH expression. */
function fts(q: string): { match: string } | { error: string } {
  const parsed = parseSearchQuery(q);
  return 'error' in parsed ? parsed : { match: ftsMatch(parsed.query) };
}

/** An FTS5 table shaped like the articles index, filled with segmented title and body. */
function ftsTable(docs: { title: string; body: string }[]) {
  const db = new Database(':memory:');
  db.exec(`CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = '${FTS5_TOKENIZE}')`);
  const insert = db.prepare('INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)');
  docs.forEach((doc, i) => insert.run(i + 1, segmentForIndex(doc.title), segmentForIndex(doc.body)));
  const search = (q: string): number[] => {
    const parsed = fts(q);
    if ('error' in parsed) throw new Error(parsed.error);
    const rows = db.prepare('SELECT rowid AS id FROM docs WHERE docs MATCH ? ORDER BY rank').all(parsed.match);
    return (rows as { id: number }[]).map((row) => row.id);
  };
  return { db, search };
}

const SAFE_MATCH = /^"(?:[^"]|"")+"\*?(?: \+ "(?:[^"]|"")+"\*?)*(?: AND "(?:[^"]|"")+"\*?(?: \+ "(?:[^"]|"")+"\*?)*)*$/u;

t.test('segmentForIndex: each CJK character with its successor, Latin words whole', async (t) => {
  t.equal(segmentForIndex('天津市'), '天津 津市 市');
  t.equal(segmentForIndex('津'), '津');
  t.equal(segmentForIndex('ＡＢＣ１２３ iPhone'), 'abc123 iphone', 'full-width folded, lower-cased');
  t.equal(segmentForIndex('华为Mate60手机'), '华为 为 mate60 手机 机');
  t.equal(segmentForIndex('2023年4月17日,任振鹤。'), '2023 年 4 月 17 日 任振 振鹤 鹤');
  t.equal(segmentForIndex('天津 港口'), '天津 津港 港口 口', 'layout spaces inside Chinese are dropped');
  t.equal(segmentForIndex('e\u0301te\u0301 Zürich'), 'été zürich', 'composed; unicode61 removes the accents');
  t.equal(segmentForIndex('x\u200by 天\uFE0F津'), 'xy 天津 津', 'zero-width characters and variation selectors vanish');
  t.equal(segmentForIndex('!!! 😀 🇨🇳 «» \u0301 ---'), '', 'punctuation, emoji and bare marks give no token');
  t.equal(segmentForIndex(''), '');
});

t.test('segmentQuery lines up with the index at the ends of a term', async (t) => {
  const show = (q: string) => segmentQuery(q).map((token) => token.text + (token.prefix ? '*' : ''));
  t.same(show('陈敏尔'), ['陈敏', '敏尔']);
  t.same(show('甘肃'), ['甘肃']);
  t.same(show('津'), ['津*'], 'a lone character may sit anywhere in a run');
  t.same(show('2023年'), ['2023', '年*'], '年 may begin a longer run: 2023年度');
  t.same(show('市2023'), ['市', '2023'], '市 may end a longer run: 天津市2023');
  t.same(show('天津·甘肃'), ['天津', '津', '甘肃']);
  t.same(show('iPhone'), ['iphone']);
  t.same(show('"-:*^()'), []);
});

t.test('splitQueryTerms keeps quoted phrases and treats a lone quote as a separator', async (t) => {
  t.same(splitQueryTerms('天津 "港口 码头" a"b'), [
    { text: '天津', quoted: false },
    { text: '港口 码头', quoted: true },
    { text: 'a', quoted: false },
    { text: 'b', quoted: false },
  ]);
});

t.test('parseSearchQuery builds phrases of quoted strings, ANDed', async (t) => {
  t.same(fts('陈敏尔'), { match: '"陈敏" + "敏尔"' });
  t.same(fts('  天津   协作 '), { match: '"天津" AND "协作"' });
  t.same(fts('"天津 港口"'), { match: '"天津" + "津港" + "港口"' });
  t.same(fts('2023年'), { match: '"2023" + "年"*' });
  t.same(fts('title:天津'), { match: '"title" + "天津"' }, 'a column filter is plain text');
  t.same(fts('天津 OR 甘肃'), { match: '"天津" AND "or" AND "甘肃"' }, 'operators are words');
  t.same(fts('天津 天津'), { match: '"天津"' }, 'repeated terms once');
  t.same(fts('NEAR(a b) -c +d ^e f* (g)'), {
    match: '"near" + "a" AND "b" AND "c" AND "d" AND "e" AND "f" AND "g"',
  });
});

t.test('parseSearchQuery refuses queries with nothing to search for', async (t) => {
  for (const q of ['', '   ', '\n\t', '!!!', '😀😀', '"" ""', '*', '-', '()', '"', '，。！']) {
    const parsed = parseSearchQuery(q);
    t.ok('error' in parsed, `${JSON.stringify(q)} is refused`);
  }
  t.match(parseSearchQuery(''), { error: /empty/ });
  t.match(parseSearchQuery('!!!'), { error: /no words/ });
  t.match(parseSearchQuery('天'.repeat(SEARCH_QUERY_MAX + 1)), { error: /longer than 200/ });
  t.ok('query' in parseSearchQuery('天'.repeat(SEARCH_QUERY_MAX)), '200 characters are allowed');
  t.ok('query' in parseSearchQuery('😀'.repeat(99) + 'a'), 'the cap counts characters, not UTF-16 units');
});

const HOSTILE = [
  'AND', 'OR', 'NOT', 'NEAR', 'a AND', 'OR b', 'NOT NOT', 'NEAR(a b, 2)', 'a OR', '* a', 'a*', '^a', 'a:b',
  'title:天津', 'body : x', '{title body}: x', '(', ')', '(a', 'a)', '"', '"a', 'a"', '"a" "', '""""', "'",
  '-a', '+a', 'a + b', 'a - b', '\\', '\u0000', '\ud800', 'x\udfff', '\u0301', '😀 天津', '👨‍👩‍👧', '🇨🇳',
  '天津市·甘肃省', '《人民日报》', '【快讯】', 'ＡＮＤ', 'ＮＯＴ 天津', 'c++', 'node.js', 'e-mail', "don't",
  '10:30', '3.5%', '#tag', '@user', 'a\tb\nc', '   x   ', '天\u200d津', '津', '年', 'İstanbul', 'ǅ',
  '𠀀𠀁', 'ｶﾀｶﾅ', 'カタカナー', '한국어', 'ſ', 'ß', '\ufeffa', '%', '_', 'x'.repeat(200), '甘'.repeat(200),
];

/** A deterministic mix of FTS5 syntax, CJK, Latin, emoji and broken UTF-16. */
function fuzzQueries(count: number): string[] {
  const pool = ['"', '*', ':', '^', '(', ')', '-', '+', ' ', 'AND', 'OR', 'NOT', 'NEAR', '{', '}', ',', '天', '津',
    '市', 'a', 'Z', '1', '😀', '\ud800', '\u0301', '\u200d', '。', '\u3000', 'é', '\\', "'", '\u0000'];
  let state = 42;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + (next() % 12) }, () => pool[next() % pool.length]).join(''),
  );
}

t.test('hostile queries never throw and give only safe MATCH expressions SQLite accepts', async (t) => {
  const { db } = ftsTable(EVAL_ARTICLES);
  const statement = db.prepare('SELECT count(*) AS n FROM docs WHERE docs MATCH ?');
  let matches = 0;
  for (const q of [...HOSTILE, ...fuzzQueries(2000)]) {
    const parsed = fts(q);
    if ('error' in parsed) continue;
    matches++;
    if (!SAFE_MATCH.test(parsed.match)) t.fail(`unsafe MATCH for ${JSON.stringify(q)}: ${parsed.match}`);
    try {
      statement.get(parsed.match);
    } catch (error) {
      t.fail(`SQLite refused ${parsed.match} (from ${JSON.stringify(q)}): ${(error as Error).message}`);
    }
  }
  t.ok(matches > 1000, `${matches} hostile queries ran as searches`);
  t.throws(() => statement.get('"a" AND'), 'the table does reject broken syntax, so the check can fail');
  db.close();
});

t.test('search finds what the reader typed, however it was written', async (t) => {
  const docs = ['天津市气象台', '津门故里', '甘肃省代表团来津考察', '2023年度报告', '甘蔗严肃', 'iPhone 15 发布'].map(
    (body) => ({ title: '', body }),
  );
  const { db, search } = ftsTable(docs);
  t.same(search('津').sort(), [1, 2, 3], 'a single character anywhere in a run');
  t.same(search('甘肃'), [3], 'not 甘 and 肃 apart');
  t.same(search('2023年'), [4]);
  t.same(search('"iPhone 15"'), [6]);
  t.same(search('IPHONE'), [6]);
  t.same(search('津门 天津'), [], 'two words must both be there');
  db.close();
});

const foldForLabels = (text: string) => normalizeForSearch(text).normalize('NFKD').replace(/\p{M}/gu, '');

t.test('the evaluation set is labelled by its literal text', async (t) => {
  const textOf = new Map(EVAL_ARTICLES.map((a) => [a.id, foldForLabels(`${a.title}\n${a.body}`)]));
  for (const query of EVAL_QUERIES) {
    const terms = splitQueryTerms(query.q).map((term) => foldForLabels(term.text));
    const hasAll = (id: string) => terms.every((term) => textOf.get(id)?.includes(term));
    for (const id of [...query.mustFind, ...(query.crossWord ?? [])]) t.ok(hasAll(id), `${query.q} is in ${id}`);
    for (const id of query.mustNotFind) t.notOk(hasAll(id), `${query.q} is not in ${id}`);
  }
});

t.test('the chosen segmentation passes the evaluation set', async (t) => {
  const { db, search } = ftsTable(EVAL_ARTICLES);
  const idOf = (rowid: number) => EVAL_ARTICLES[rowid - 1]!.id;
  for (const query of EVAL_QUERIES) {
    const hits = search(query.q).map(idOf);
    for (const id of query.mustFind) t.ok(hits.includes(id), `${query.q} finds ${id}`);
    for (const id of query.mustNotFind) t.notOk(hits.includes(id), `${query.q} does not find ${id}`);
    if (query.best !== undefined) t.equal(hits[0], query.best, `${query.q} ranks ${query.best} first`);
  }
  db.close();
});
