import type pg from 'pg';
import { StoreUnusable, type CheckFinding, type CheckOptions, type CheckReport, type SearchDocument, type SearchableRow } from '../port.js';
import { checkPhysical } from './amcheck.js';
import { describe, openPool, unreachable } from './connection.js';
import { isConnectionLost } from './constraints.js';
import { documentVector } from './fts.js';
import { checkRules } from './invariants.js';
import { rows } from './query.js';
import { checkCatalogue } from './quick-check.js';

/**
 * `masthead check` on PostgreSQL: the server's page checks (amcheck.ts), Masthead's own rules
 * (invariants.ts), and every search-index entry compared with what this build would write for its
 * article. It opens a connection of its own, never migrates and never writes (but for creating and
 * dropping amcheck where it is missing), so it may run beside the servers.
 */

/** A key of our own for pg_try_advisory_lock: one check at a time per database (a second would double the load, and drop amcheck under the first). */
const CHECK_LOCK = 0x6d617374_0003n;
/** How long a check waits for a lock another session holds before it reports the object as not checked (a migration). */
const LOCK_TIMEOUT_MS = 10_000;
const BATCH = 500;

type Stored = SearchableRow & { doc: SearchDocument };
const FIELDS: (keyof SearchDocument)[] = ['title', 'subtitle', 'summary', 'body', 'tags'];

/**
 * Every search-index entry against what this build writes for its article: the tokens of each
 * field, and the tsvector made of them (compared by the server, as tsvectors: lexemes, positions,
 * weights). An entry that differs was written by another build's segmenter, or by something other
 * than Masthead: searches find the article by the wrong words.
 */
async function checkSearchEntries(client: pg.ClientBase, documentOf: CheckOptions['documentOf'], found: (f: CheckFinding) => void): Promise<number> {
  const differ: number[] = [];
  let entries = 0;
  for (let last = 0; ; ) {
    const batch = await rows<Stored>(
      client,
      `SELECT a.id, a.title, a.subtitle, a.summary, a.body_text AS "bodyText", a.tags,
              json_build_object('title', s.title, 'subtitle', s.subtitle, 'summary', s.summary, 'body', s.body, 'tags', s.tags) AS doc
       FROM articles a JOIN article_search s ON s.article_id = a.id WHERE a.id > $1 ORDER BY a.id LIMIT ${BATCH}`,
      [last],
    );
    if (batch.length === 0) break;
    entries += batch.length;
    last = batch[batch.length - 1]!.id;
    const expected = batch.map((row) => ({ id: row.id, doc: documentOf(row), stored: row.doc }));
    const tokens = new Set(expected.filter(({ doc, stored }) => FIELDS.some((f) => doc[f] !== stored[f])).map((e) => e.id));
    const vectors = await rows<{ id: number }>(
      client,
      `SELECT d.id FROM unnest($1::int8[], $2::text[]) AS d (id, v) JOIN article_search s ON s.article_id = d.id WHERE s.tsv IS DISTINCT FROM d.v::tsvector`,
      [expected.map((e) => e.id), expected.map((e) => documentVector(e.doc))],
    );
    for (const { id } of vectors) tokens.add(id);
    differ.push(...[...tokens].sort((a, b) => a - b));
  }
  if (differ.length > 0) {
    const sample = `${differ.slice(0, 5).join(', ')}${differ.length > 5 ? ', …' : ''}`;
    found({ level: 'damage', message: `${differ.length} articles' search-index entries differ from what this build writes for their text (${sample}): searches find them by the wrong words; masthead reindex rebuilds the index` });
  }
  return entries;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Runs the check on the database at `url`. An unreachable server, or a check already running there, is a StoreUnusable of one line. */
export async function checkPostgresDatabase(url: string, { documentOf, connectTimeoutMs }: CheckOptions & { connectTimeoutMs?: number }): Promise<CheckReport> {
  const pool = await openPool(url, { poolSize: 1, statementTimeoutMs: 0, ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }) });
  const findings: CheckFinding[] = [];
  const found = (f: CheckFinding) => void findings.push(f);
  // Checked out, the client has no pool listener: a server that goes away mid-check would otherwise end the process.
  const lost = () => undefined;
  try {
    const client = await pool.connect();
    client.on('error', lost);
    try {
      const [lock] = await rows<{ locked: boolean }>(client, 'SELECT pg_try_advisory_lock($1) AS locked', [CHECK_LOCK.toString()]);
      if (!lock!.locked) throw new StoreUnusable(`PostgreSQL at ${describe(url)}: another masthead check is running on this database; wait for it to end`);
      await client.query(`SET lock_timeout = ${LOCK_TIMEOUT_MS}`);
      const [masthead] = await rows<{ ok: boolean }>(client, "SELECT to_regclass('articles') IS NOT NULL AND to_regclass('article_search') IS NOT NULL AS ok");
      if (!masthead!.ok) return { subject: 'no tables', findings: [{ level: 'damage', message: 'not a Masthead database (no articles table): masthead migrate makes one' }] };
      await checkCatalogue(client, found);
      const physical = await checkPhysical(client, found);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let articles: number;
      let entries: number;
      try {
        articles = (await rows<{ n: number }>(client, 'SELECT count(*)::int AS n FROM articles'))[0]!.n;
        await checkRules(client, found);
        entries = await checkSearchEntries(client, documentOf, found);
      } finally {
        await client.query('ROLLBACK');
      }
      const pages = physical.amcheck ? `pages checked with amcheck` : 'pages not checked (no amcheck)';
      return { subject: `${count(articles)} articles (${count(entries)} search entries compared), ${physical.tables} tables, ${physical.indexes} indexes, ${pages}`, findings };
    } finally {
      await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      client.removeListener('error', lost);
      client.release(true);
    }
  } catch (error) {
    throw isConnectionLost(error) ? unreachable(url, error) : error;
  } finally {
    await pool.end();
  }
}
