// PostgreSQL-specific: the search document's tsvector and the tsquery as PostgreSQL reads them, and the limits of a tsvector.
import t from 'tap';
import { documentOf } from '../../../src/search/index.js';
import { searchQueryOf } from '../../../src/search/query.js';
import { segmentForIndex } from '../../../src/search/segment.js';
import type { SearchQuery } from '../../../src/store/port.js';
import { createPool } from '../../../src/store/postgres/connection.js';
import { documentVector, documentVectorBinary, quoteLexeme, tsqueryText } from '../../../src/store/postgres/fts.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { bothAdapters, type Side } from './both.js';

const doc = (fields: Partial<Record<'title' | 'subtitle' | 'summary' | 'body' | 'tags', string>>) => ({ title: '', subtitle: '', summary: '', body: '', tags: '', ...fields });

t.test('the document: unicode61 tokens, weights by field, a gap between fields', async (t) => {
  t.equal(documentVector(doc({ title: '天津 津', subtitle: 'café', summary: 'x', tags: 'port', body: 'a b a' })), "'天津':1A '津':2A 'cafe':4B 'x':6B 'port':8C 'a':10D,12D 'b':11D");
  t.equal(documentVector(doc({})), '', 'an empty document');
  t.equal(documentVector(doc({ title: "it's \\ x" })), "'it':1A 's':2A 'x':3A", 'the app never sends punctuation, and unicode61 would cut it anyway');
});

t.test('lexemes are quoted: no token is tsvector or tsquery syntax', async (t) => {
  const url = await freshDatabase(t);
  const pool = createPool(url);
  t.teardown(() => pool.end());
  const nasty = ["'", '\\', "a'b", "''", '\\\\', '&|!():*<>', ' ', "':*", '😀', 'a b'];
  for (const lexeme of nasty) {
    const { rows } = await pool.query('SELECT tsvector_to_array(($1 || \':1\')::tsvector) AS v, querytree($2::tsquery) AS q, ($1 || \':1\')::tsvector @@ $2::tsquery AS hit', [
      quoteLexeme(lexeme),
      quoteLexeme(lexeme),
    ]);
    t.same(rows[0].v, [lexeme], `${JSON.stringify(lexeme)} is one lexeme in a tsvector`);
    t.equal(rows[0].hit, true, `${JSON.stringify(lexeme)} as a query finds itself`);
  }
  const query: SearchQuery = { phrases: [[{ text: 'abc', prefix: false }, { text: 'de', prefix: true }], [{ text: '天津', prefix: false }]] };
  t.equal(tsqueryText(query), "('abc' <-> 'de':*) & '天津'");
  t.equal(tsqueryText({ phrases: [[{ text: '&|!', prefix: false }]] }), null, 'a phrase unicode61 keeps nothing of matches nothing, as in FTS5');
  t.equal(tsqueryText({ phrases: [] }), null, 'no phrases: nothing');
  const { rows } = await pool.query('SELECT $1::tsvector @@ $2::tsquery AS hit', [documentVector(doc({ title: 'abc def', body: '天津' })), tsqueryText(query)]);
  t.equal(rows[0].hit, true, 'a phrase with a prefix, ANDed');
});

t.test('the binary tsvector is the text one, whatever the document holds', async (t) => {
  const url = await freshDatabase(t);
  const pool = createPool(url);
  t.teardown(() => pool.end());
  const many = (n: number, word: string) => Array.from({ length: n }, () => word).join(' ');
  const docs = {
    'fields and weights': doc({ title: '天津 津', subtitle: 'café', summary: 'x', tags: 'port', body: 'a b a' }),
    'nothing': doc({}),
    'quotes, backslashes, emoji, combining marks': doc({ title: "it's \\ x", summary: '😀 e\u0301 ｆｕｌｌ', body: "a'b '' \\\\ 天津" }),
    'more than 256 positions of one lexeme': doc({ title: many(300, '天津'), body: many(10, '天津') }),
    'positions past 16383, with a lexeme first seen past them': doc({ title: '港口', body: `${Array.from({ length: 17_000 }, (_, i) => `w${i % 500}`).join(' ')} 港口 港口 new new` }),
    'a lexeme too long for PostgreSQL, left out': doc({ title: `${'长'.repeat(700)} ok`, body: `${'长'.repeat(700)} ok` }),
  };
  for (const [name, d] of Object.entries(docs)) {
    const { rows } = await pool.query('SELECT $1::tsvector = $2::tsvector AS same, $1::tsvector::text AS binary, $2::tsvector::text AS text', [documentVectorBinary(d), documentVector(d)]);
    t.equal(rows[0].binary, rows[0].text, name);
    t.equal(rows[0].same, true, `${name}: equal as tsvectors`);
  }
  const long = documentVectorBinary(docs['positions past 16383, with a lexeme first seen past them']);
  const { rows } = await pool.query(`SELECT length($1::tsvector) AS n, (SELECT positions FROM unnest($1::tsvector) WHERE lexeme = 'new') AS clamped`, [long]);
  t.equal(rows[0].n, 502, 'every lexeme of the long body is there');
  t.same(rows[0].clamped, [16383], 'the tail is at 16383 once, as tsvector input keeps it');
});

const find = (side: Side, q: string) => side.read.articles.list({ search: searchQueryOf(q) }, { key: 'title', desc: false }, undefined, 10, false, { editor: true, now: 0, sectionIds: null, sourceIds: null }).then((r) => r.map((a) => a.id));

async function oneArticle(sides: [Side, Side], bodyText: string) {
  for (const side of sides) {
    await side.write(async (r) => {
      await r.sections.insert({ slug: 'a', name: 'a', description: null, parentId: null, position: 0, createdAt: 1 });
      const row = await r.articles.insert({
        status: 'draft', publishedAt: null, deletedAt: null, sectionId: 1, sourceId: null, createdAt: 1, updatedAt: 1, createdBy: null, updatedBy: null,
        slug: 'long', externalId: null, title: 'long', subtitle: null, summary: null, byline: null, tags: [], sourceUrl: null, coverImageUrl: null, bodyText, body: '',
      });
      await r.searchIndex.put(row.id, documentOf(row));
    });
  }
}

t.test('a long body: indexed whole, single tokens found past the 16383 positions a tsvector keeps', async (t) => {
  const { sides } = await bothAdapters(t);
  const words = Array.from({ length: 20_000 }, (_, i) => `w${i}`);
  await oneArticle(sides, `${words.join(' ')} 天津港口 ${'x'.repeat(3000)}`);
  t.equal(segmentForIndex(words.join(' ')).split(' ').length, 20_000);
  for (const side of sides) {
    t.same(await find(side, 'w10'), [1], `${side.name}: early token`);
    t.same(await find(side, 'w19999'), [1], `${side.name}: a token past position 16383`);
    t.same(await find(side, '"w100 w101"'), [1], `${side.name}: an early phrase`);
    t.same(await find(side, '"w101 w100"'), [], `${side.name}: not in that order`);
    t.same(await find(side, '"w16380 w16385"'), [], `${side.name}: tokens of the clamped tail are no phrase with those before`);
  }
  // The one known difference: FTS5 numbers positions without a limit; past it, PostgreSQL finds the tokens but not the phrase.
  t.same(await find(sides[0], '"w18000 w18001"'), [1], 'sqlite: a phrase past the limit');
  t.same(await find(sides[1], '"w18000 w18001"'), [], 'postgres: a phrase past position 16383 is not found (a tsvector clamps positions)');
  t.same(await find(sides[1], '天津港'), [], 'postgres: nor a CJK phrase there');
  t.same(await find(sides[1], '天津'), [1], 'postgres: its bigrams are found');
});

t.test('a token too long for a tsvector is left out, and the rest of the document stays', async (t) => {
  const { sides } = await bothAdapters(t);
  await oneArticle(sides, `before ${'y'.repeat(2100)} after 天津`);
  for (const side of sides) {
    t.same(await find(side, 'before'), [1], `${side.name}: before`);
    t.same(await find(side, '天津'), [1], `${side.name}: after`);
    t.same(await find(side, '"before after"'), [], `${side.name}: the long token still stands between them`);
  }
});
