import type pg from 'pg';
import type { SearchDocument, SearchableRow } from '../port.js';
import { isRetryable } from './constraints.js';
import { documentVector } from './fts.js';
import { rows } from './query.js';

/**
 * `masthead reindex` on PostgreSQL, and the compaction of pending entries (fold.ts): the search
 * index made anew beside the live one and swapped in, so that searches go on answering from the
 * old index all along and the new one is built once, not kept up entry by entry (with RUM, that
 * upkeep made a reindex of 20k articles take 330 s).
 *
 * 1. A trigger on article_search notes in article_search_rebuild_dirty every article whose entry
 *    a writer puts or removes from now on (created with the trigger, in one transaction).
 * 2. article_search_rebuild, of the same columns and keys but without the text-search indexes, is
 *    filled from the articles a batch at a time, each batch its own short transaction (no
 *    snapshot held: nothing holds back the change feed's fence or vacuum).
 * 3. Its GIN (and RUM) indexes are built, its foreign key added (NOT VALID: checked after the
 *    swap) and its statistics gathered.
 * 4. Catching up, with no lock: the noted articles whose live entry differs from the new one get
 *    the live entry (a writer made it, from the article's text as it is now), a removed one is removed.
 * 5. The swap, in one short transaction: article_search locked against writers (EXCLUSIVE: searches
 *    go on), the last noted articles caught up, the old table dropped and the new one renamed into
 *    its place with the old names of its indexes and constraints, its grants, the content
 *    generation moved. Only its last statements lock searches out, for as long as a rename takes.
 *
 * Why nothing written meanwhile is lost: a write that committed before a batch was read is in
 * the batch; one that committed after wrote article_search under the trigger (made before any
 * batch was read: CREATE TRIGGER waits for the writers in progress), so the article is noted, and
 * the swap, which waits for the writers in progress, gives it the live entry. A write that left the
 * searchable text alone wrote no entry, and needs none: the batch read that text.
 */

const LIVE = 'article_search';
const SHADOW = 'article_search_rebuild';
const DIRTY = 'article_search_rebuild_dirty';
const NOTE = 'article_search_rebuild_note';
/** One reindex at a time per database; a second waits for the first, then rebuilds again. */
export const REINDEX_LOCK = 0x6d617374_0004n;
const BATCH = 500;
/** Catching up without a lock goes on while more than this many entries changed in a round. */
const CATCH_UP_ROUNDS = 3;
const SMALL_CATCH_UP = 50;
/** How long the swap waits for a lock (the writers and searches in progress) before it steps back and tries again. */
const SWAP_LOCK_MS = 2000;
const SWAP_ATTEMPTS = 10;

export type RebuildStage = 'filled' | 'caught-up';
export type RebuildOptions = {
  /** Tests: awaited at each stage, to write and search while the rebuild is under way. */
  reached?: (stage: RebuildStage) => Promise<void>;
  /** Stops the rebuild (a compaction when its store closes): the statement under way is cancelled, and it stops between steps; the live index stays as it was. */
  signal?: AbortSignal;
};

/** A rebuild stopped by its signal. */
export class RebuildStopped extends Error {
  constructor() {
    super('the search index rebuild was stopped');
    this.name = 'RebuildStopped';
  }
}

type Client = pg.PoolClient;

/** The statements that make article_search's indexes (not those of its constraints) and its constraints, from the catalog: what the shadow must have. */
async function definitionOf(client: Client) {
  const indexes = await rows<{ name: string; definition: string }>(
    client,
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = '${LIVE}'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname`,
  );
  const constraints = await rows<{ name: string; type: string; definition: string }>(
    client,
    `SELECT conname AS name, contype AS type, pg_get_constraintdef(oid) AS definition FROM pg_constraint
      WHERE conrelid = '${LIVE}'::regclass AND contype IN ('p', 'u', 'f', 'x') ORDER BY conname`,
  );
  const columns = (await rows<{ name: string }>(client, `SELECT quote_ident(attname) AS name FROM pg_attribute WHERE attrelid = '${LIVE}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`)).map((c) => c.name);
  return { indexes, constraints, columns };
}

/**
 * What an earlier reindex that stopped half way (a killed process) left behind, or this one when it
 * fails. The trigger is dropped only where it is: DROP TRIGGER locks searches out while it waits.
 */
async function clearLeftovers(client: Client): Promise<void> {
  const [trigger] = await rows(client, `SELECT 1 FROM pg_trigger WHERE tgname = '${NOTE}' AND tgrelid = '${LIVE}'::regclass`);
  if (trigger) await client.query(`DROP TRIGGER ${NOTE} ON ${LIVE}`);
  await client.query(`DROP TABLE IF EXISTS ${SHADOW}, ${DIRTY}; DROP FUNCTION IF EXISTS ${NOTE}()`);
}

/** The shadow's name for an index or constraint of the live table (it takes the live name in the swap). */
const shadowName = (name: string) => `rebuild_${name}`;

async function prepare(client: Client): Promise<void> {
  await client.query(`BEGIN;
    CREATE UNLOGGED TABLE ${DIRTY} (article_id int8 PRIMARY KEY);
    CREATE FUNCTION ${NOTE}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ${DIRTY} (article_id) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.article_id ELSE NEW.article_id END) ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$;
    CREATE TRIGGER ${NOTE} AFTER INSERT OR UPDATE OR DELETE ON ${LIVE} FOR EACH ROW EXECUTE FUNCTION ${NOTE}();
    CREATE TABLE ${SHADOW} (LIKE ${LIVE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION);
    COMMIT`);
  const { constraints } = await definitionOf(client);
  // Its keys now (the catch-up finds entries by article), its foreign keys once it is filled (an article purged meanwhile must not fail a batch).
  for (const c of constraints) if (c.type !== 'f') await client.query(`ALTER TABLE ${SHADOW} ADD CONSTRAINT ${shadowName(c.name)} ${c.definition}`);
  const [options] = await rows<{ list: string | null }>(client, `SELECT array_to_string(reloptions, ', ') AS list FROM pg_class WHERE oid = '${LIVE}'::regclass`);
  if (options?.list) await client.query(`ALTER TABLE ${SHADOW} SET (${options.list})`);
}

/** Every article's entry into the shadow, a batch at a time: the next batch is read and segmented here while PostgreSQL writes the last. */
async function fill(pool: pg.Pool, client: Client, documentOf: (row: SearchableRow) => SearchDocument): Promise<void> {
  let writing: Promise<unknown> = Promise.resolve();
  for (let last = 0; ; ) {
    const batch = await rows<SearchableRow>(pool, `SELECT id, title, subtitle, summary, body_text AS "bodyText", tags FROM articles WHERE id > $1 ORDER BY id LIMIT $2`, [last, BATCH]);
    if (batch.length === 0) break;
    const docs = batch.map((row) => documentOf(row));
    await writing;
    writing = client.query(
      `INSERT INTO ${SHADOW} (article_id, title, subtitle, summary, body, tags, tsv)
       SELECT id, title, subtitle, summary, body, tags, tsv::tsvector FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u (id, title, subtitle, summary, body, tags, tsv)`,
      [batch.map((r) => r.id), ...(['title', 'subtitle', 'summary', 'body', 'tags'] as const).map((k) => docs.map((d) => d[k])), docs.map(documentVector)],
    );
    last = batch[batch.length - 1]!.id;
  }
  await writing;
}

/**
 * Every live entry into the shadow as it is, no longer pending, a batch at a time, each batch its
 * own statement and transaction: the compaction's fill (fold.ts), done by PostgreSQL alone.
 * `columns`: the table's, quoted, in order.
 */
async function copyLive(client: Client, columns: string[], signal: AbortSignal | undefined): Promise<void> {
  const values = columns.map((c) => (c === 'pending' ? 'false' : c)).join(', ');
  for (let last = 0; ; ) {
    if (signal?.aborted) throw new RebuildStopped();
    const [batch] = await rows<{ last: string | null }>(
      client,
      `WITH copied AS (INSERT INTO ${SHADOW} (${columns.join(', ')}) SELECT ${values} FROM ${LIVE} WHERE article_id > $1 ORDER BY article_id LIMIT ${BATCH} RETURNING article_id)
       SELECT max(article_id)::text AS last FROM copied`,
      [last],
    );
    if (!batch?.last) return;
    last = Number(batch.last);
  }
}

/** `CREATE INDEX name ON table USING …` of the live index, for the shadow. */
const onShadow = (name: string, definition: string) => `CREATE INDEX ${shadowName(name)} ON ${SHADOW} USING ${definition.slice(definition.indexOf(' USING ') + 7)}`;

async function buildIndexes(client: Client): Promise<string[]> {
  const { indexes, constraints } = await definitionOf(client);
  for (const { name, definition } of indexes) await client.query(onShadow(name, definition));
  for (const c of constraints) if (c.type === 'f') await client.query(`ALTER TABLE ${SHADOW} ADD CONSTRAINT ${shadowName(c.name)} ${c.definition} NOT VALID`);
  await client.query(`ANALYZE ${SHADOW}`);
  return indexes.map((i) => i.name);
}

/**
 * Gives the noted articles whose entry differs the live entry (or none, where the live one is
 * gone); how many it changed. `columns`: the table's, quoted, in order (the shadow's are the same).
 */
async function catchUp(client: Client, columns: string[]): Promise<number> {
  const removed = await client.query(
    `DELETE FROM ${SHADOW} s USING ${DIRTY} d WHERE s.article_id = d.article_id AND NOT EXISTS (SELECT 1 FROM ${LIVE} l WHERE l.article_id = d.article_id)`,
  );
  const set = columns.filter((c) => c !== 'article_id').map((c) => `${c} = excluded.${c}`);
  const put = await client.query(
    `INSERT INTO ${SHADOW} (${columns.join(', ')})
     SELECT ${columns.map((c) => `l.${c}`).join(', ')} FROM ${DIRTY} d JOIN ${LIVE} l ON l.article_id = d.article_id LEFT JOIN ${SHADOW} s ON s.article_id = d.article_id
      WHERE s.article_id IS NULL OR ROW(${columns.map((c) => `l.${c}`).join(', ')}) IS DISTINCT FROM ROW(${columns.map((c) => `s.${c}`).join(', ')})
     ON CONFLICT (article_id) DO UPDATE SET ${set.join(', ')}`,
  );
  return (removed.rowCount ?? 0) + (put.rowCount ?? 0);
}

/** The grants on the live table, for the shadow (the role that reindexes owns it; readers of another role keep their SELECT). */
async function grantsOf(client: Client): Promise<string[]> {
  const grants = await rows<{ privilege: string; grantee: string; grantable: boolean }>(
    client,
    `SELECT a.privilege_type AS privilege, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee, a.is_grantable AS grantable
       FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
      WHERE c.oid = '${LIVE}'::regclass AND a.grantee <> c.relowner`,
  );
  return grants.map((g) => `GRANT ${g.privilege} ON ${SHADOW} TO ${g.grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`);
}

/** The swap's one transaction; the number of entries the index holds after it. */
async function swap(client: Client, built: string[]): Promise<number> {
  await client.query(`BEGIN; SET LOCAL lock_timeout = ${SWAP_LOCK_MS}; LOCK TABLE ${LIVE} IN EXCLUSIVE MODE`);
  try {
    const { indexes, constraints, columns } = await definitionOf(client);
    await catchUp(client, columns);
    // An index made on the live table meanwhile (a node started with RUM) comes along.
    for (const { name, definition } of indexes) if (!built.includes(name)) await client.query(onShadow(name, definition));
    for (const grant of await grantsOf(client)) await client.query(grant);
    const n = (await rows<{ n: number }>(client, `SELECT count(*)::int AS n FROM ${SHADOW}`))[0]!.n;
    // From here to COMMIT, searches wait: dropping the old table takes ACCESS EXCLUSIVE.
    await client.query(`DROP TABLE ${LIVE}; ALTER TABLE ${SHADOW} RENAME TO ${LIVE}`);
    for (const { name } of indexes) await client.query(`ALTER INDEX ${shadowName(name)} RENAME TO ${name}`);
    for (const { name } of constraints) await client.query(`ALTER TABLE ${LIVE} RENAME CONSTRAINT ${shadowName(name)} TO ${name}`);
    await client.query('UPDATE content_generation SET value = value + 1 WHERE id = 1');
    await client.query('COMMIT');
    return n;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

const LOCK_NOT_AVAILABLE = '55P03';

/** The swap, again after a pause when it could not have its locks in time or lost a deadlock (the writers and searches in progress go first). */
async function swapWhenFree(client: Client, built: string[]): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await swap(client, built);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= SWAP_ATTEMPTS || !(code === LOCK_NOT_AVAILABLE || isRetryable(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/** What the new index is filled from: every article's text made into its document (a reindex), or the live entries as they are (a compaction). */
type Source = { documentOf: (row: SearchableRow) => SearchDocument } | 'live';

/**
 * Builds the new index beside the live one and swaps it in (see above), holding the reindex lock;
 * how many entries it holds. `wait` false: null at once when another rebuild holds the lock.
 */
async function rebuild(pool: pg.Pool, source: Source, wait: boolean, options: RebuildOptions): Promise<{ articles: number } | null> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const lost = (error: Error) => void (broken = error);
  client.on('error', lost);
  const { signal } = options;
  let backend: number | null = null;
  let cancelling: Promise<unknown> = Promise.resolve();
  const cancel = () => {
    if (backend !== null) cancelling = pool.query('SELECT pg_cancel_backend($1)', [backend]).catch(() => undefined);
  };
  signal?.addEventListener('abort', cancel);
  /**
   * The clean-up after a stop must not be what the cancel cancels: it waits for the cancel to be
   * sent, and runs once more should it land on the clean-up all the same (57014).
   */
  const cleanUp = async (work: () => Promise<unknown>) => {
    signal?.removeEventListener('abort', cancel);
    await cancelling;
    await work().catch((error: { code?: string }) => (error?.code === '57014' ? work() : Promise.reject(error)));
  };
  const step = () => {
    if (signal?.aborted) throw new RebuildStopped();
  };
  try {
    // Index builds and the waits for locks may take longer than a request's statement timeout.
    await client.query('SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0');
    if (signal) backend = (await rows<{ pid: number }>(client, 'SELECT pg_backend_pid() AS pid'))[0]!.pid;
    if (wait) await client.query(`SELECT pg_advisory_lock(${REINDEX_LOCK})`);
    else if (!(await rows<{ ours: boolean }>(client, `SELECT pg_try_advisory_lock(${REINDEX_LOCK}) AS ours`))[0]!.ours) return null;
    let swapped = false;
    try {
      await clearLeftovers(client);
      await prepare(client);
      if (source === 'live') await copyLive(client, (await definitionOf(client)).columns, signal);
      else await fill(pool, client, source.documentOf);
      await options.reached?.('filled');
      step();
      const built = await buildIndexes(client);
      step();
      const { columns } = await definitionOf(client);
      for (let round = 0; round < CATCH_UP_ROUNDS && (await catchUp(client, columns)) > SMALL_CATCH_UP; round++);
      await options.reached?.('caught-up');
      step();
      const articles = await swapWhenFree(client, built);
      swapped = true;
      // Checked now, under no lock that stops readers or writers: every entry has its article (the swap gave purged ones none).
      const { constraints } = await definitionOf(client);
      for (const c of constraints) if (c.type === 'f') await client.query(`ALTER TABLE ${LIVE} VALIDATE CONSTRAINT ${c.name}`);
      return { articles };
    } finally {
      // After the swap the trigger went with the old table: only the notes and the function are left.
      const clear = cleanUp(() => (swapped ? client.query(`DROP TABLE IF EXISTS ${DIRTY}; DROP FUNCTION IF EXISTS ${NOTE}()`) : clearLeftovers(client)));
      await clear.catch((e: Error) => void (broken ??= e));
      await client.query(`SELECT pg_advisory_unlock(${REINDEX_LOCK})`).catch((e: Error) => void (broken ??= e));
    }
  } catch (error) {
    // Cancelled by the signal: the rebuild stopped, it did not fail.
    throw signal?.aborted ? new RebuildStopped() : error;
  } finally {
    signal?.removeEventListener('abort', cancel);
    client.removeListener('error', lost);
    // Its session settings (no statement timeout) must not go back to the pool.
    client.release(broken ?? true);
  }
}

/** Rebuilds the search index from every article beside the live one and swaps it in (see above); how many articles it indexed. */
export async function rebuildSearchIndex(pool: pg.Pool, documentOf: (row: SearchableRow) => SearchDocument, options: RebuildOptions = {}): Promise<{ articles: number }> {
  return (await rebuild(pool, { documentOf }, true, options))!;
}

/**
 * The same rebuild from the live entries as they are, none of them pending in the new index: how
 * fold.ts takes many pending entries into RUM at once (one RUM build instead of ~20 ms of upkeep
 * each). Null, at once, when a reindex or another compaction holds the lock.
 */
export const compactSearchIndex = (pool: pg.Pool, options: RebuildOptions = {}): Promise<{ articles: number } | null> => rebuild(pool, 'live', false, options);
