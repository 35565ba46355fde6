import type pg from 'pg';
import { AppError } from '../../common/errors.js';
import { StoreUnusable, type ChangeEventInsert, type ChangeLogRepo, type ReadStore, type Replica, type Repositories, type Store, type Tx, type WriteRepositories } from '../port.js';
import { createArticleRepo, createRelatedLinkRepo } from './articles.js';
import { createSectionRepo, createSourceRepo } from './catalog.js';
import { createPool, describe, migrateDatabase, openPool, type PoolOptions } from './connection.js';
import { translatePgError } from './constraints.js';
import { anyDueOf, createChangeLogRepo, createOutboxRepo, createPendingLinksRepo } from './effects.js';
import { createChangeFeedRepo } from './feed.js';
import { startFolding, type Folding } from './fold.js';
import { createSearchIndexRepo } from './fts.js';
import { createKeyRepo } from './keys.js';
import { rows, type Queryable } from './query.js';
import { rebuildSearchIndex } from './reindex.js';
import { createSearchRepo } from './search.js';
import type { SearchIndexChoice, SearchMethod, SearchSupport } from './rum.js';
import { createSitemapRepo } from './sitemaps.js';
import { createTableReader, createTableWriter } from './tables.js';
import { runUnit, underSavepoint, type UnitState } from './unit.js';
import { createUnitCache, type UnitCache } from './unit-cache.js';
import { limitSearches, searchLimitFor, type SearchLimit } from './search-limit.js';
import { watchReplica, type ReplicaOptions, type ReplicaWatch } from './replica.js';
import { createIntegrityWatch } from '../integrity.js';
import { postgresQuickCheck } from './quick-check.js';
import { createDeliveryQueueRepo, createDeliveryRepo, createWebhookRepo } from './webhooks.js';

export type PostgresStoreOptions = PoolOptions & {
  /** How long a unit of work waits for a row lock another writer holds before it answers 503 (ms). */
  lockTimeoutMs?: number;
  /** How many times in all a unit runs when it loses a race (deadlock, serialization failure). */
  attempts?: number;
  /** What search ranks with: 'rum' only on a database with the RUM index (openPostgresStore detects it, rum.ts); default 'gin'. */
  searchMethod?: SearchMethod;
  /** How many rankings run and wait at once on this node (default: half the pool runs, twice that waits; search-limit.ts). */
  searchLimit?: SearchLimit;
  /** Whether openPostgresStore may use RUM where the server has it ('auto', the default) or keeps to GIN. */
  searchIndex?: SearchIndexChoice;
  /** A streaming replica for anonymous readers (openPostgresStore opens it): its pool and its watch (replica.ts). */
  replica?: { pool: pg.Pool; watch: ReplicaWatch } | null;
};

/** `wrap`: what each repository of the pool goes through; inside a unit (`settleWaitMs` 0) the feed cannot wait for the fence, its own transaction holds it. */
const repositories = (q: Queryable, wrap: <R extends object>(repo: R) => R = (repo) => repo, settleWaitMs?: number): Repositories => ({
  sections: wrap(createSectionRepo(q)),
  sources: wrap(createSourceRepo(q)),
  articles: wrap(createArticleRepo(q)),
  links: wrap(createRelatedLinkRepo(q)),
  feed: wrap(createChangeFeedRepo(q, { settleWaitMs })),
  sitemaps: wrap(createSitemapRepo(q)),
  keys: wrap(createKeyRepo(q)),
  webhooks: wrap(createWebhookRepo(q)),
  deliveries: wrap(createDeliveryRepo(q)),
});

/** `searchMethod` 'rum': search entries are written pending, for the fold to take into RUM (fold.ts). */
const writeRepositories = (q: pg.PoolClient, searchMethod: SearchMethod): WriteRepositories => ({
  changeLog: createChangeLogRepo(q),
  outbox: createOutboxRepo(q),
  searchIndex: createSearchIndexRepo(q, { pending: searchMethod === 'rum' }),
  pendingLinks: createPendingLinksRepo(q),
  deliveryQueue: createDeliveryQueueRepo(q),
  tables: createTableWriter(q),
});

/**
 * The PostgreSQL adapter of the storage port (src/store/port.ts), for several API nodes on one
 * database. Reads outside a unit go to the pool, each on whichever connection is free; a unit of
 * work runs on a connection of its own, in one transaction (unit.ts), so units of several
 * requests and several nodes run side by side and meet only at the rows they both write: updates
 * are conditional on the version read, collisions fall to the unique constraints (constraints.ts
 * turns their violations into the 409s), and a unit that loses a deadlock runs again.
 *
 * The content generation is a row of the database, moved by every unit that changed content in
 * that unit's transaction: a node reading it sees a change made on any node the moment the change
 * is visible, which no notification can promise (LISTEN/NOTIFY arrives milliseconds after COMMIT,
 * and not at all while a listener reconnects).
 */
/** `seen`: told of PostgreSQL's error before it is translated (a replica's readers report a lost server to its watch). */
type Seen = (error: unknown) => void;
const unseen: Seen = () => undefined;

const reads = async <T>(work: () => Promise<T>, seen: Seen = unseen): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    seen(error);
    throw translatePgError(error);
  }
};

/**
 * A repository whose reads answer PostgreSQL's errors as their problems (a lost server: the 503),
 * as units do. Methods that answer at once (ChangeFeedRepo.owns) stay synchronous.
 */
function translatingReads<R extends object>(repo: R, seen: Seen = unseen): R {
  const failed = (error: unknown) => {
    seen(error);
    return translatePgError(error);
  };
  const translated = (method: (...args: unknown[]) => unknown) => (...args: unknown[]) => {
    let result: unknown;
    try {
      result = method.apply(repo, args);
    } catch (error) {
      throw failed(error);
    }
    return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(failed(error))) : result;
  };
  return Object.fromEntries(Object.entries(repo).map(([name, method]) => [name, typeof method === 'function' ? translated(method as (...args: unknown[]) => unknown) : method])) as R;
}

const generationOf = async (q: Queryable) => (await q.query<{ value: number }>('SELECT value FROM content_generation WHERE id = 1')).rows[0]!.value;

/**
 * What anonymous readers read on the replica: the same repositories and search over its pool, and
 * its own content generation, so that the exact caches built on these reads (app.ts) key their
 * answers on what the replica holds, not on what the primary holds already.
 */
function replicaOf({ pool, watch }: { pool: pg.Pool; watch: ReplicaWatch }, searchMethod: SearchMethod): Replica {
  const seen = watch.failed;
  const { sections, sources, articles, links, sitemaps } = repositories(pool, (repo) => translatingReads(repo, seen));
  const readStore: ReadStore = {
    sections,
    sources,
    articles,
    links,
    sitemaps,
    search: limitSearches(translatingReads(createSearchRepo(pool, searchMethod), seen), searchLimitFor(pool.options.max ?? 10)),
    contentGeneration: () => reads(() => generationOf(pool), seen),
  };
  return { reads: readStore, serving: watch.serving, status: watch.status, onChange: watch.onChange };
}

/**
 * An article's feed state (lastOf) answered from the unit's own appends: the recorder reads it
 * right after writing the article's event (for its links' events, for the next change of the
 * article in the batch). Nothing else writes the article's events before this unit commits: the
 * unit holds the article's row (its write) and, for a scheduled one, the event it settled; a fan-out
 * from elsewhere repeats the state it read. This unit's own fan-out writes other articles' events:
 * it forgets them.
 */
function feedStateRemembered(repo: ChangeLogRepo, cache: UnitCache): ChangeLogRepo {
  const remembered = cache.remember(repo, 'change_events', ['lastOf'], { othersWrite: false });
  const prime = (e: ChangeEventInsert) => {
    if (e.resource === 'article') cache.prime('change_events', 'lastOf', [e.resourceId], { readerAfter: e.readerAfter, sectionId: e.sectionId, sourceId: e.sourceId, op: e.op });
  };
  return {
    ...remembered,
    async append(event) {
      await repo.append(event);
      prime(event);
    },
    async appendMany(events) {
      await repo.appendMany(events);
      events.forEach(prime);
    },
    async fanOut(at, targetId) {
      cache.forget('change_events');
      await repo.fanOut(at, targetId);
    },
  };
}

export function createPostgresStore(
  pool: pg.Pool,
  { lockTimeoutMs = 5000, attempts = 3, searchMethod = 'gin', searchLimit = searchLimitFor(pool.options.max ?? 10), replica = null }: PostgresStoreOptions = {},
): Store {
  const reading = repositories(pool, translatingReads);
  const anyDue = anyDueOf(pool);
  const integrity = createIntegrityWatch(postgresQuickCheck(pool), {
    repair: 'masthead check runs the full check; see docs/backup.md, "PostgreSQL"',
    offReason: 'no check to run',
  });

  function txOf(client: pg.PoolClient, state: UnitState): Tx {
    const cache = createUnitCache();
    const plain = { ...repositories(client, undefined, 0), ...writeRepositories(client, searchMethod) };
    const tx: Tx = {
      ...plain,
      // The reads an import repeats for every line, once per unit (unit-cache.ts).
      sections: cache.remember(plain.sections, 'sections', ['byId', 'bySlug']),
      sources: cache.remember(plain.sources, 'sources', ['byId', 'bySlug']),
      outbox: cache.remember(plain.outbox, 'webhooks', ['subscribers'], { othersWrite: false }),
      changeLog: feedStateRemembered(plain.changeLog, cache),
      webhooks: cache.forgetOn(plain.webhooks, ['webhooks']),
      deliveries: cache.forgetOn(plain.deliveries, ['webhooks']),
      deliveryQueue: cache.forgetOn(plain.deliveryQueue, ['webhooks']),
      tables: cache.forgetOn(plain.tables, ['sections', 'sources', 'webhooks', 'change_events']),
      savepoint: async (work) => {
        try {
          return await underSavepoint(client, () => work(tx));
        } catch (error) {
          cache.clear();
          throw error;
        }
      },
      afterCommit: (hook) => void state.hooks.push(hook),
      contentChanged: () => void (state.content = true),
    };
    return tx;
  }

  let folding: Folding | null = null;

  const bumpGeneration = async (client: pg.PoolClient, state: UnitState) => {
    if (state.content) await client.query('UPDATE content_generation SET value = value + 1 WHERE id = 1');
  };


  return {
    dialect: 'postgres',
    replica: replica ? replicaOf(replica, searchMethod) : null,
    ...reading,
    write: (work, options) =>
      runUnit(pool, (client, state) => work(txOf(client, state)), { wait: options?.wait ?? true, lockTimeoutMs, attempts, beforeCommit: bumpGeneration }),
    anyDue: (now) => reads(() => anyDue(now)),
    search: limitSearches(translatingReads(createSearchRepo(pool, searchMethod)), searchLimit),
    // Not a unit of work: built beside the live index and swapped in, in steps of their own (reindex.ts).
    rebuildSearchIndex: (documentOf) => reads(() => rebuildSearchIndex(pool, documentOf)),
    contentGeneration: () => reads(() => generationOf(pool)),
    // READ ONLY: no transaction id, so the snapshot holds back neither the change feed's fence nor vacuum's horizon of writes.
    snapshot: (work) =>
      reads(async () => {
        const client = await pool.connect();
        let broken: Error | undefined;
        const lost = (error: Error) => void (broken = error);
        client.on('error', lost);
        try {
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL idle_in_transaction_session_timeout = 0');
          const result = await work(createTableReader(client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch((e: Error) => void (broken = e));
          throw error;
        } finally {
          client.removeListener('error', lost);
          client.release(broken);
        }
      }),
    async ping() {
      integrity.sound();
      // As cheap as SELECT 1 (load balancers ask every few seconds), and it tells a node pointed at a
      // standby, or at a database set read-only, which would answer reads and fail every write.
      const [state] = await reads(() => rows<{ recovery: boolean; readOnly: boolean }>(pool, `SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') = 'on' AS "readOnly"`));
      if (state?.recovery) throw new AppError('database-read-only', 'PostgreSQL is a standby in recovery (pg_is_in_recovery()): it accepts no writes; DATABASE_URL must name the primary');
      if (state?.readOnly) throw new AppError('database-read-only', 'PostgreSQL accepts no writes on this connection (default_transaction_read_only is on for the role or database)');
    },
    integrity,
    startUpkeep(failed) {
      if (searchMethod === 'rum' && !folding) folding = startFolding(pool, failed);
    },
    async close() {
      await integrity.stop();
      await folding?.stop();
      if (replica) {
        await replica.watch.stop();
        await replica.pool.end();
      }
      await pool.end();
    },
    thread: null,
  };
}

/** openPostgresStore's options: the replica by its URL (and how far behind it may be), which openPostgresStore opens and watches. */
export type OpenPostgresOptions = Omit<PostgresStoreOptions, 'replica'> & { replica?: ({ url: string } & ReplicaOptions) | null };

/**
 * Opens the pool, proves the server answers and applies pending migrations (under an advisory
 * lock: nodes starting at once apply them once). An unreachable server, a bad URL or a database
 * of a newer Masthead is a StoreUnusable of one line. Then creates the RUM index for search where
 * the server has it (rum.ts): `search` says what search ranks with, in the line start-up logs.
 * With a replica, measures it once before answering: one that does not answer yet does not stop
 * the start (readers go to the primary until it does), `replica` says how it stands.
 * Returns whether the database was new.
 */
export async function openPostgresStore(url: string, options: OpenPostgresOptions = {}): Promise<{ store: Store; fresh: boolean; search: SearchSupport; replica: string | null }> {
  const { replica: replicaConfig, ...storeOptions } = options;
  const pool = await openPool(url, storeOptions);
  let migrated: Awaited<ReturnType<typeof migrateDatabase>>;
  try {
    migrated = await migrateDatabase(pool, url, options.searchIndex);
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof StoreUnusable) throw error;
    throw new StoreUnusable(`PostgreSQL: the migrations could not be applied: ${(error as Error).message.split('\n')[0]}`);
  }
  const { fresh, search } = migrated;
  if (!replicaConfig) return { store: createPostgresStore(pool, { ...storeOptions, searchMethod: search.method }), fresh, search, replica: null };
  const { url: replicaUrl, ...watchOptions } = replicaConfig;
  const replicaPool = createPool(replicaUrl, storeOptions);
  const watch = watchReplica(pool, replicaPool, watchOptions);
  await watch.start();
  const store = createPostgresStore(pool, { ...storeOptions, searchMethod: search.method, replica: { pool: replicaPool, watch } });
  return { store, fresh, search, replica: describe(replicaUrl) };
}
