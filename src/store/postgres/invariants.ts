import type pg from 'pg';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { SLUG_MAX, SLUG_PATTERN } from '../../common/slug.js';
import { compareJournal, type AppliedMigration } from '../journal.js';
import type { CheckFinding } from '../port.js';
import { MIGRATIONS_FOLDER } from './connection.js';
import { rows } from './query.js';

/**
 * Masthead's own rules on PostgreSQL, which no constraint of the schema holds (or which a damaged
 * index, a restore by hand or a write past the app could break): the logical half of
 * `masthead check`. Each rule is a statement that lists what breaks it; the check reports how many
 * and the first few. They run in one REPEATABLE READ READ ONLY transaction (check.ts): one
 * snapshot, so that writes committed meanwhile never look like damage, and no transaction id.
 */

type Rule = { sql: string; says: (n: number, sample: string) => string };

const reindex = 'masthead reindex rebuilds the index';

const RULES: Rule[] = [
  {
    sql: 'SELECT a.id::text AS k FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_search s WHERE s.article_id = a.id)',
    says: (n, e) => `${n} articles have no search-index entry (${e}): searches cannot find them; ${reindex}`,
  },
  {
    sql: 'SELECT s.article_id::text AS k FROM article_search s WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = s.article_id)',
    says: (n, e) => `${n} search-index entries belong to no article (${e}); ${reindex}`,
  },
  {
    // The tag filter reads article_tags; the article's answer shows articles.tags.
    sql: `SELECT a.id::text AS k FROM articles a
          WHERE CASE WHEN jsonb_typeof(a.tags) = 'array' THEN ARRAY(SELECT DISTINCT x.tag COLLATE "C" FROM jsonb_array_elements_text(a.tags) AS x(tag) ORDER BY 1) END
                IS DISTINCT FROM ARRAY(SELECT t.tag FROM article_tags t WHERE t.article_id = a.id ORDER BY 1)`,
    says: (n, e) => `${n} articles' tag rows differ from their tags (${e}): the tag filter lists them wrongly; saving the article's tags again rewrites them`,
  },
  {
    sql: 'SELECT t.article_id::text AS k FROM article_tags t WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = t.article_id)',
    says: (n, e) => `${n} tag rows belong to no article (articles ${e})`,
  },
  {
    sql: `SELECT l.id::text AS k FROM related_links l
          WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = l.article_id)
             OR (l.target_article_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = l.target_article_id))`,
    says: (n, e) => `${n} related links belong to or point at an article that does not exist (links ${e})`,
  },
  {
    sql: `SELECT l.id::text AS k FROM related_links l
          WHERE l.target_article_id = l.article_id OR (l.target_article_id IS NULL) = (l.url IS NULL) OR (l.url IS NOT NULL AND l.title IS NULL)`,
    says: (n, e) => `${n} related links point at their own article, or have not exactly one of a target article and a URL with a title (links ${e})`,
  },
  {
    sql: 'SELECT a.id::text AS k FROM articles a WHERE NOT EXISTS (SELECT 1 FROM sections s WHERE s.id = a.section_id) OR (a.source_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sources s WHERE s.id = a.source_id))',
    says: (n, e) => `${n} articles are filed under a section or name a source that does not exist (${e})`,
  },
  {
    sql: "SELECT a.id::text AS k FROM articles a WHERE a.status = 'published' AND a.published_at IS NULL",
    says: (n, e) => `${n} published articles have no publication time (${e}): readers cannot be shown them in order`,
  },
  {
    sql: 'SELECT r.article_id::text || \' rev \' || r.revision AS k FROM article_revisions r LEFT JOIN articles a ON a.id = r.article_id WHERE a.id IS NULL OR r.revision < 1 OR r.revision >= a.version',
    says: (n, e) => `${n} revisions belong to no article, or are not below their article's version (${e}): a revision is an earlier version`,
  },
  {
    sql: 'SELECT h.slug AS k FROM article_slug_history h WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = h.article_id) OR EXISTS (SELECT 1 FROM articles a WHERE a.slug = h.slug)',
    says: (n, e) => `${n} old slugs belong to no article or are an article's current slug too (${e}): the redirect and the article compete`,
  },
  {
    sql: `SELECT 'article ' || id AS k FROM articles WHERE slug !~ $1 OR length(slug) > $2
          UNION ALL SELECT 'section ' || id FROM sections WHERE slug !~ $1 OR length(slug) > $2
          UNION ALL SELECT 'source ' || id FROM sources WHERE slug !~ $1 OR length(slug) > $2`,
    says: (n, e) => `${n} slugs are not of lower-case letters, digits and single hyphens of at most ${SLUG_MAX} characters (${e})`,
  },
  {
    sql: `WITH RECURSIVE up (start, id, depth) AS (
            SELECT id, parent_id, 1 FROM sections WHERE parent_id IS NOT NULL
            UNION ALL SELECT up.start, s.parent_id, up.depth + 1 FROM up JOIN sections s ON s.id = up.id
            WHERE s.parent_id IS NOT NULL AND up.id <> up.start AND up.depth < 1000)
          SELECT DISTINCT start::text AS k FROM up WHERE id = start
          UNION SELECT s.id::text FROM sections s WHERE s.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sections p WHERE p.id = s.parent_id)`,
    says: (n, e) => `${n} sections are their own ancestors or sit under a section that does not exist (${e}): the navigation tree cannot be built`,
  },
  {
    sql: "SELECT a.id::text AS k FROM articles a WHERE NOT EXISTS (SELECT 1 FROM change_events c WHERE c.resource = 'article' AND c.resource_id = a.id)",
    says: (n, e) => `${n} articles have no event in the change feed (${e}): partners following it never heard of them`,
  },
  {
    // xmax of the snapshot is the first transaction id not yet handed out; asking for the current id would take one.
    sql: 'SELECT c.cursor::text AS k FROM change_events c WHERE c.xid >= pg_snapshot_xmax(pg_current_snapshot())',
    says: (n, e) =>
      `${n} change-feed events carry transaction ids this server has not reached (cursors ${e}): a pg_dump restored onto another server? The feed holds them back; docs/backup.md says what to do`,
  },
];

/** Unique keys, counted again from the table (not through the unique index, which may be the damaged part). */
const DUPLICATES: Rule[] = [
  { sql: 'SELECT slug AS k FROM articles GROUP BY slug HAVING count(*) > 1', says: (n, e) => `${n} slugs are held by more than one article (${e})` },
  { sql: 'SELECT external_id AS k FROM articles WHERE external_id IS NOT NULL GROUP BY external_id HAVING count(*) > 1', says: (n, e) => `${n} externalIds are held by more than one article (${e})` },
  { sql: 'SELECT slug AS k FROM sections GROUP BY slug HAVING count(*) > 1', says: (n, e) => `${n} slugs are held by more than one section (${e})` },
  { sql: 'SELECT slug AS k FROM sources GROUP BY slug HAVING count(*) > 1', says: (n, e) => `${n} slugs are held by more than one source (${e})` },
];

const SAMPLE = 5;

async function apply(client: pg.ClientBase, rule: Rule, found: (f: CheckFinding) => void): Promise<void> {
  const values = rule.sql.includes('$1') ? [SLUG_PATTERN.source, SLUG_MAX] : [];
  const [bad] = await rows<{ n: number; sample: string[] | null }>(client, `SELECT count(*)::int AS n, (array_agg(k ORDER BY k))[1:${SAMPLE}] AS sample FROM (${rule.sql}) bad`, values);
  if (bad!.n > 0) found({ level: 'damage', message: rule.says(bad!.n, `${bad!.sample!.join(', ')}${bad!.n > SAMPLE ? ', …' : ''}`) });
}

/** The one row of content_generation, which every node's caches key their answers on. */
async function contentGeneration(client: pg.ClientBase, found: (f: CheckFinding) => void): Promise<void> {
  const [g] = await rows<{ one: number; all: number }>(client, 'SELECT count(*) FILTER (WHERE id = 1)::int AS one, count(*)::int AS "all" FROM content_generation');
  if (g!.one !== 1) found({ level: 'damage', message: `content_generation has ${g!.all} rows and none with id 1: every write fails to move the caches' generation` });
}

/** Every identity's sequence must be past its table's highest id, or the next inserts collide with an existing row (a copy that kept ids, a restore by hand). */
async function sequences(client: pg.ClientBase, found: (f: CheckFinding) => void): Promise<void> {
  const identities = await rows<{ table: string; column: string; seq: string }>(
    client,
    `SELECT c.relname AS "table", a.attname AS "column", pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attidentity <> '' AND NOT a.attisdropped ORDER BY 1`,
  );
  for (const { table, column, seq } of identities) {
    const [s] = await rows<{ max: number | null; next: number }>(
      client,
      `SELECT (SELECT max("${column}") FROM "${table}") AS max, CASE WHEN is_called THEN last_value + 1 ELSE last_value END AS next FROM ${seq}`,
    );
    if (s!.max !== null && s!.max >= s!.next) {
      found({ level: 'damage', message: `${table}: the next ${column} is ${s!.next}, and a row has ${s!.max}: new rows will collide until SELECT setval('${seq}', ${s!.max}) moves it on` });
    }
  }
}

/** drizzle's journal against this build's migrations: applied with the same SQL, none unknown, none pending. */
async function journal(client: pg.ClientBase, found: (f: CheckFinding) => void): Promise<void> {
  const [present] = await rows<{ ok: boolean }>(client, "SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS ok");
  if (!present!.ok) {
    found({ level: 'warning', message: 'no migration journal (drizzle.__drizzle_migrations): these tables were not made by masthead migrate' });
    return;
  }
  const applied = await rows<AppliedMigration>(client, 'SELECT hash, created_at::int8 AS at FROM drizzle.__drizzle_migrations ORDER BY created_at');
  const known = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((m) => ({ hash: m.hash, at: m.folderMillis }));
  for (const finding of compareJournal(applied.map((a) => ({ hash: a.hash, at: Number(a.at) })), known)) found(finding);
}

/** Masthead's rules, in the caller's transaction; adds what breaks them. */
export async function checkRules(client: pg.ClientBase, found: (f: CheckFinding) => void): Promise<void> {
  await journal(client, found);
  await contentGeneration(client, found);
  await sequences(client, found);
  for (const rule of RULES) await apply(client, rule, found);
  // Counted from the tables themselves: a unique index that lost an entry would let a duplicate in unseen.
  await client.query('SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_bitmapscan = off');
  for (const rule of DUPLICATES) await apply(client, rule, found);
  await client.query('SET LOCAL enable_indexscan = on; SET LOCAL enable_indexonlyscan = on; SET LOCAL enable_bitmapscan = on');
}
