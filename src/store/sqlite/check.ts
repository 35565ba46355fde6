import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { SLUG_MAX } from '../../common/slug.js';
import { compareJournal, type AppliedMigration } from '../journal.js';
import type { CheckFinding, CheckOptions, CheckReport } from '../port.js';
import { MIGRATIONS_FOLDER } from './connection.js';

/**
 * `masthead check` on a SQLite file: `PRAGMA integrity_check` (every page, index and constraint;
 * FTS5's own check of the search index too) and `foreign_key_check`, then the same rules of
 * Masthead's as on PostgreSQL where they are cheap here (src/store/postgres/invariants.ts). The
 * search index is contentless (FTS5 keeps no copy of the text), so only that every article has an
 * entry can be checked, not what the entry holds. The file is opened read-only: the check may run
 * beside the server, and never migrates.
 */

type Rule = { sql: string; says: (n: number, sample: string) => string };

/** A slug that is not lower-case letters, digits and single hyphens (SQLite has no regular expressions). */
const badSlug = (c: string) => `(${c} = '' OR ${c} GLOB '*[^a-z0-9-]*' OR ${c} GLOB '-*' OR ${c} GLOB '*-' OR ${c} GLOB '*--*' OR length(${c}) > ${SLUG_MAX})`;

const RULES: Rule[] = [
  {
    sql: 'SELECT a.id AS k FROM articles a WHERE NOT EXISTS (SELECT 1 FROM articles_fts f WHERE f.rowid = a.id)',
    says: (n, e) => `${n} articles have no search-index entry (${e}): searches cannot find them; masthead reindex rebuilds the index`,
  },
  {
    sql: 'SELECT f.rowid AS k FROM articles_fts f WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = f.rowid)',
    says: (n, e) => `${n} search-index entries belong to no article (${e}); masthead reindex rebuilds the index`,
  },
  {
    sql: `SELECT a.id AS k FROM articles a
          WHERE (SELECT group_concat(value, char(31)) FROM (SELECT DISTINCT value FROM json_each(a.tags) ORDER BY value))
             IS NOT (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM article_tags WHERE article_id = a.id ORDER BY tag))`,
    says: (n, e) => `${n} articles' tag rows differ from their tags (${e}): the tag filter lists them wrongly; saving the article's tags again rewrites them`,
  },
  {
    sql: 'SELECT id AS k FROM related_links WHERE target_article_id = article_id',
    says: (n, e) => `${n} related links point at their own article (links ${e})`,
  },
  {
    sql: "SELECT id AS k FROM articles WHERE status = 'published' AND published_at IS NULL",
    says: (n, e) => `${n} published articles have no publication time (${e}): readers cannot be shown them in order`,
  },
  {
    sql: "SELECT r.article_id || ' rev ' || r.revision AS k FROM article_revisions r JOIN articles a ON a.id = r.article_id WHERE r.revision < 1 OR r.revision >= a.version",
    says: (n, e) => `${n} revisions are not below their article's version (${e}): a revision is an earlier version`,
  },
  {
    sql: 'SELECT h.slug AS k FROM article_slug_history h WHERE EXISTS (SELECT 1 FROM articles a WHERE a.slug = h.slug)',
    says: (n, e) => `${n} old slugs are an article's current slug too (${e}): the redirect and the article compete`,
  },
  {
    sql: `SELECT 'article ' || id AS k FROM articles WHERE ${badSlug('slug')}
          UNION ALL SELECT 'section ' || id FROM sections WHERE ${badSlug('slug')}
          UNION ALL SELECT 'source ' || id FROM sources WHERE ${badSlug('slug')}`,
    says: (n, e) => `${n} slugs are not of lower-case letters, digits and single hyphens of at most ${SLUG_MAX} characters (${e})`,
  },
  {
    sql: `WITH RECURSIVE up (start, id, depth) AS (
            SELECT id, parent_id, 1 FROM sections WHERE parent_id IS NOT NULL
            UNION ALL SELECT up.start, s.parent_id, up.depth + 1 FROM up JOIN sections s ON s.id = up.id
            WHERE s.parent_id IS NOT NULL AND up.id <> up.start AND up.depth < 1000)
          SELECT DISTINCT start AS k FROM up WHERE id = start`,
    says: (n, e) => `${n} sections are their own ancestors (${e}): the navigation tree cannot be built`,
  },
  {
    sql: "SELECT a.id AS k FROM articles a WHERE NOT EXISTS (SELECT 1 FROM change_events c WHERE c.resource = 'article' AND c.resource_id = a.id)",
    says: (n, e) => `${n} articles have no event in the change feed (${e}): partners following it never heard of them`,
  },
];

const SAMPLE = 5;
const sampleOf = (keys: unknown[], n: number) => `${keys.slice(0, SAMPLE).join(', ')}${n > SAMPLE ? ', …' : ''}`;

function journal(db: Database.Database): CheckFinding[] {
  const present = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").pluck().get() as number;
  if (present === 0) return [{ level: 'warning', message: 'no migration journal (__drizzle_migrations): these tables were not made by masthead migrate' }];
  const applied = db.prepare('SELECT hash, created_at AS at FROM __drizzle_migrations ORDER BY created_at').all() as AppliedMigration[];
  return compareJournal(applied, readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((m) => ({ hash: m.hash, at: m.folderMillis })));
}

function rules(db: Database.Database): CheckFinding[] {
  const findings: CheckFinding[] = [];
  const broken = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  if (broken.length > 0) {
    const e = sampleOf(broken.map((b) => `${b.table} ${b.rowid} → ${b.parent}`), broken.length);
    findings.push({ level: 'damage', message: `${broken.length} rows refer to rows that do not exist (${e})` });
  }
  for (const rule of RULES) {
    const keys = db.prepare(`SELECT k FROM (${rule.sql}) ORDER BY k`).pluck().all();
    if (keys.length > 0) findings.push({ level: 'damage', message: rule.says(keys.length, sampleOf(keys, keys.length)) });
  }
  return findings;
}

/** The check of the file at `path` (which must exist: the caller says so first). */
export async function checkSqliteFile(path: string, _options: CheckOptions): Promise<CheckReport> {
  const mb = `${(statSync(path).size / 1e6).toFixed(1)} MB`;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const problems = db.pragma('integrity_check') as { integrity_check: string }[];
    if (problems[0]?.integrity_check !== 'ok') return { subject: mb, findings: problems.map((p) => ({ level: 'damage', message: p.integrity_check })) };
    const articles = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'articles'").pluck().get() as number;
    if (articles !== 1) return { subject: mb, findings: [{ level: 'damage', message: 'not a Masthead database (no articles table)' }] };
    // One read transaction: the rules see one state of the file while the server goes on writing.
    const run = db.transaction(() => ({ n: db!.prepare('SELECT count(*) FROM articles').pluck().get() as number, findings: [...journal(db!), ...rules(db!)] }));
    const { n, findings } = run();
    return { subject: `${mb}, ${n.toLocaleString('en-US')} articles`, findings };
  } catch (error) {
    return { subject: mb, findings: [{ level: 'damage', message: (error as Error).message }] };
  } finally {
    db?.close();
  }
}
