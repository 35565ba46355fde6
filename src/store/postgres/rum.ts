import type pg from 'pg';

/**
 * The RUM index for search, where the server has it (issue #14). RUM (the `rum` extension;
 * Debian and Ubuntu: `postgresql-15-rum`) keeps each lexeme's positions and weights in the index,
 * so it ranks a match without reading its tsvector from the table, and returns matches in rank
 * order (`ORDER BY tsv <=> query`). GIN only finds the matches: ts_rank then reads every match's
 * tsvector, which costs in proportion to their number (docs/postgres.md, "Search").
 *
 * The index holds the entries that are not pending (schema.ts articleSearch, fold.ts): a write
 * leaves its entry out of it, and a serving node folds it in later, off the write's path.
 *
 * The extension cannot go in a migration: a server may not have it, and creating it needs a
 * superuser (it is not a trusted extension). So after the migrations, under the same advisory
 * lock (connection.ts), `ensureRumIndex` creates the extension when the server offers it and the
 * role may, then the index; either missing, search uses GIN and the start-up says so in one line.
 */

export type SearchMethod = 'rum' | 'gin';

/** DATABASE_SEARCH_INDEX: 'auto' uses RUM where the server has it; 'gin' never (and drops a RUM index made before), for newsrooms that write much and search little. */
export type SearchIndexChoice = 'auto' | 'gin';

/** What the store searches with, and the one line start-up logs about it. */
export type SearchSupport = { method: SearchMethod; level: 'info' | 'warn'; message: string };

export const RUM_INDEX = 'article_search_tsv_rum';

const INSUFFICIENT_PRIVILEGE = '42501';

const ginCost = 'search ranks with GIN and ts_rank, which costs in proportion to the matches (a term in most articles: seconds at 100k); see docs/postgres.md';

/**
 * Creates the RUM extension and index where possible and answers which method search uses. Runs on
 * the migration connection, holding the migration lock. A plain CREATE INDEX, not CONCURRENTLY:
 * that one waits for every older transaction of the database, among them the other nodes'
 * waits for this lock, a deadlock. So the first start-up with RUM on an existing archive builds
 * the index while writes to article_search wait (docs/postgres.md gives the time); an invalid
 * index (a concurrent build someone interrupted) is dropped and made again.
 */
export async function ensureRumIndex(client: pg.ClientBase, choice: SearchIndexChoice = 'auto'): Promise<SearchSupport> {
  if (choice === 'gin') {
    // Its upkeep is what the choice saves: a RUM index left from an earlier start would still cost every write.
    await client.query(`DROP INDEX IF EXISTS ${RUM_INDEX}`);
    return { method: 'gin', level: 'info', message: `DATABASE_SEARCH_INDEX=gin: ${ginCost}` };
  }
  const { rows } = await client.query<{ available: boolean; installed: boolean; major: string; role: string }>(
    `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum') AS available,
            EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rum') AS installed,
            current_setting('server_version_num')::int / 10000 AS major, current_user AS role`,
  );
  const { available, installed, major, role } = rows[0]!;
  if (!installed) {
    if (!available) return gin(`PostgreSQL has no RUM extension (Debian/Ubuntu package postgresql-${major}-rum): ${ginCost}`);
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS rum');
    } catch (error) {
      if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
      return gin(`PostgreSQL has the RUM extension but role ${role} may not create it (a superuser runs CREATE EXTENSION rum once): ${ginCost}`);
    }
  }
  // The extension may sit in a schema outside the search path; the search's `<=>` must resolve.
  const resolves = (await client.query<{ ok: boolean }>("SELECT to_regoperator('<=>(tsvector,tsquery)') IS NOT NULL AND to_regclass('article_search') IS NOT NULL AS ok")).rows[0]!.ok;
  if (!resolves) return gin(`PostgreSQL has the RUM extension outside the search path (its <=> operator is not found): ${ginCost}`);
  const index = await client.query<{ valid: boolean; partial: boolean }>(
    `SELECT i.indisvalid AS valid, i.indpred IS NOT NULL AS partial FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE c.relname = $1 AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'article_search'::regclass)`,
    [RUM_INDEX],
  );
  const found = index.rows[0];
  try {
    // One made before pending entries were kept apart (schema.ts articleSearch) holds them too, and costs every write its upkeep: made again.
    if (found && (!found.valid || !found.partial)) await client.query(`DROP INDEX IF EXISTS ${RUM_INDEX}`);
    if (!found?.valid || !found.partial) await client.query(`CREATE INDEX IF NOT EXISTS ${RUM_INDEX} ON article_search USING rum (tsv rum_tsvector_ops) WHERE NOT pending`);
  } catch (error) {
    if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
    return gin(`PostgreSQL has the RUM extension but role ${role} may not create the index ${RUM_INDEX} on article_search: ${ginCost}`);
  }
  return { method: 'rum', level: 'info', message: `search ranks with the RUM index (${RUM_INDEX})` };
}

const gin = (message: string): SearchSupport => ({ method: 'gin', level: 'warn', message });
