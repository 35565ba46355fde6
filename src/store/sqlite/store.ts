import { AppError } from '../../common/errors.js';
import { StoreUnusable, type Store, type Tx } from '../port.js';
import { createArticleRepo, createRelatedLinkRepo } from './articles.js';
import { createSectionRepo, createSourceRepo } from './catalog.js';
import { createChangeFeedRepo } from './feed.js';
import { createSitemapRepo } from './sitemaps.js';
import { createKeyRepo } from './keys.js';
import { createDeliveryQueueRepo, createDeliveryRepo, createWebhookRepo } from './webhooks.js';
import { anyDueOf, createChangeLogRepo, createHeldSearchIndex, createOutboxRepo, createPendingLinksRepo } from './effects.js';
import { migrateDatabase, openDatabase, type Db, type OpenOptions } from './connection.js';
import { translateSqliteError } from './constraints.js';
import { createMutex } from './mutex.js';
import { createSearchReads, rebuildSearchIndex } from './search.js';
import { createSearchPool, SEARCH_POOL, type SearchPoolOptions } from './search-pool.js';
import { createTableReader, createTableWriter } from './tables.js';
import { createIntegrityWatch } from '../integrity.js';
import { QUICK_CHECK, sqliteQuickCheck, type QuickCheckOptions } from './quick-check.js';

export type SqliteStoreOptions = OpenOptions & {
  /** How long a unit of work waits for the write lock another process holds before it answers 503 (ms). */
  busyTimeoutMs?: number;
  /** Where uncached searches rank (search-pool.ts); a database file only, as a thread cannot share an in-memory one. */
  search?: SearchPoolOptions;
  /** The pace of the quick check at start-up (quick-check.ts). */
  quickCheck?: QuickCheckOptions;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each store's writing connection, for sqliteHandleOf. */
const handles = new WeakMap<Store, Db>();

/**
 * The SQLite adapter of the storage port (src/store/port.ts). Units of work take turns on one
 * writing connection (an async mutex, then `BEGIN IMMEDIATE`), so a unit's awaits never let
 * another request's statements into its transaction; reads outside a unit go to a second,
 * read-only connection, which in WAL mode sees only committed data (an in-memory database has
 * one connection for both). A lock held by another process (an import from the command line, a
 * second server) is waited for without blocking the event loop, up to `busyTimeoutMs`. Searches
 * of a database file rank on threads of their own (search-pool.ts); their hits are read here.
 */
export function createSqliteStore(db: Db, reader: Db = db, { busyTimeoutMs = 5000, search = SEARCH_POOL, quickCheck = QUICK_CHECK }: SqliteStoreOptions = {}): Store {
  const mutex = createMutex();
  const sqlite = db.$client;
  const repos = (on: Db) => ({
    sections: createSectionRepo(on),
    sources: createSourceRepo(on),
    articles: createArticleRepo(on),
    links: createRelatedLinkRepo(on),
    feed: createChangeFeedRepo(on),
    sitemaps: createSitemapRepo(on),
    keys: createKeyRepo(on),
    webhooks: createWebhookRepo(on),
    deliveries: createDeliveryRepo(on),
  });
  const writing = repos(db);
  const reading = reader === db ? writing : repos(reader);
  const searchIndex = createHeldSearchIndex(db);
  const writeOnly = {
    changeLog: createChangeLogRepo(db),
    outbox: createOutboxRepo(db),
    searchIndex: searchIndex.repo,
    pendingLinks: createPendingLinksRepo(db),
    deliveryQueue: createDeliveryQueueRepo(db),
    tables: createTableWriter(db),
  };
  const anyDue = anyDueOf(reader);
  const searchReads = createSearchReads(reader);
  const searchPool = !sqlite.memory && search.threads > 0 ? createSearchPool(sqlite.name, search) : null;
  const integrity = createIntegrityWatch(sqlite.memory ? null : sqliteQuickCheck(sqlite.name, quickCheck), {
    repair: 'Restore a backup (masthead restore); masthead check runs the full check',
    offReason: 'an in-memory database is not checked',
  });
  let savepoints = 0;
  // The content generation: this process's committed content units, and SQLite's data_version,
  // which moves on this connection when another connection (an import thread, another process) commits.
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  let generation = 0;
  let versionSeen = dataVersion.get();
  /**
   * What the last failed unit said of the file itself (read-only, damaged), for readiness: a
   * read-only file answers again once a write succeeds; damage stays until the file is repaired.
   */
  let trouble: AppError | null = null;
  const noteTrouble = (error: unknown) => {
    if (error instanceof AppError && (error.code === 'database-read-only' || error.code === 'database-damaged')) trouble = error;
    return error;
  };

  /** BEGIN IMMEDIATE takes the write lock at once or fails; the retries (none with `wait: false`) wait off the event loop. */
  async function begin(wait: boolean): Promise<void> {
    const deadline = wait ? Date.now() + busyTimeoutMs : 0;
    const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
    sqlite.pragma('busy_timeout = 0');
    try {
      for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
        try {
          sqlite.exec('BEGIN IMMEDIATE');
          return;
        } catch (error) {
          const e = translateSqliteError(error);
          if (!(e instanceof Error && 'code' in e && e.code === 'database-busy') || Date.now() >= deadline) throw e;
        }
        await sleep(pause);
      }
    } finally {
      sqlite.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  function txOf(hooks: (() => void)[], marks: { content: boolean }): Tx {
    const tx: Tx = {
      ...writing,
      ...writeOnly,
      async savepoint(work) {
        const name = `unit_${++savepoints}`;
        const held = searchIndex.mark();
        sqlite.exec(`SAVEPOINT ${name}`);
        try {
          const result = await work(tx);
          sqlite.exec(`RELEASE ${name}`);
          return result;
        } catch (error) {
          sqlite.exec(`ROLLBACK TO ${name}`);
          sqlite.exec(`RELEASE ${name}`);
          searchIndex.restore(held);
          throw translateSqliteError(error);
        }
      },
      afterCommit: (hook) => void hooks.push(hook),
      contentChanged: () => void (marks.content = true),
    };
    return tx;
  }

  async function unit<T>(work: (tx: Tx) => Promise<T>, wait: boolean): Promise<T> {
    await begin(wait);
    const hooks: (() => void)[] = [];
    const marks = { content: false };
    let result: T;
    try {
      result = await work(txOf(hooks, marks));
      searchIndex.flush();
      sqlite.exec('COMMIT');
    } catch (error) {
      searchIndex.discard();
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw noteTrouble(translateSqliteError(error));
    }
    if (trouble?.code === 'database-read-only') trouble = null;
    if (marks.content) generation++;
    for (const hook of hooks) hook();
    return result;
  }

  const store: Store = {
    dialect: 'sqlite',
    replica: null,
    ...reading,
    write: (work, options) => mutex.run(() => unit(work, options?.wait ?? true)),
    anyDue,
    search: {
      rank: searchPool ? searchPool.rank : async (...args) => searchReads.rank(...args),
      // One indexed read of a page's rows: cheap enough for the loop, and never refused (a ranking that got its turn gets its hits).
      details: async (ids) => searchReads.details(ids),
    },
    // A unit's turn, not a unit: SQLite's own errors propagate as they are (the command line names the file with them).
    rebuildSearchIndex: (documentOf) =>
      mutex.run(async () => {
        const result = rebuildSearchIndex(db, documentOf);
        generation++;
        return result;
      }),
    async contentGeneration() {
      const version = dataVersion.get();
      if (version !== versionSeen) {
        versionSeen = version;
        generation++;
      }
      return generation;
    },
    // The reader's read transaction: WAL keeps its snapshot while writers commit. An in-memory database has one connection, whose units wait.
    snapshot: (work) => {
      const read = async () => {
        const client = reader.$client;
        client.exec('BEGIN');
        try {
          return await work(createTableReader(reader));
        } finally {
          client.exec('COMMIT');
        }
      };
      return reader === db ? mutex.run(read) : read();
    },
    async ping() {
      if (trouble) throw trouble;
      integrity.sound();
      reader.$client.prepare('SELECT 1').get();
    },
    integrity,
    // Nothing to keep up in the background: FTS5 merges its segments as it writes.
    startUpkeep: () => undefined,
    async close() {
      await integrity.stop();
      await searchPool?.close();
      await mutex.run(async () => {
        if (reader !== db) reader.$client.close();
        sqlite.close();
      });
    },
    thread: sqlite.memory ? null : { dialect: 'sqlite', file: sqlite.name },
  };
  handles.set(store, db);
  return store;
}

/**
 * The writing connection of a store this adapter made, for the tests marked SQLite-specific that
 * look where the port does not (pragmas, rows no repository reads). Never for the features: they
 * have the port.
 */
export function sqliteHandleOf(store: Store): Db {
  const db = handles.get(store);
  if (!db) throw new Error(`sqliteHandleOf: a ${store.dialect} store, not one the SQLite adapter made`);
  return db;
}

/**
 * Opens (creating and migrating) the database file as a store: the writing connection, and for
 * a file a read-only second one. Returns whether the database was new (the first run).
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): { store: Store; fresh: boolean } {
  const db = openDatabase(path, options);
  try {
    assertWritable(db, path);
  } catch (error) {
    db.$client.close();
    throw error;
  }
  const { fresh } = migrateDatabase(db);
  const reader = path === ':memory:' ? db : openDatabase(path, { ...options, readonly: true });
  return { store: createSqliteStore(db, reader, options), fresh };
}

/**
 * Refuses a database that cannot be written (a read-only file, folder or file system), which
 * would otherwise start, report ready and fail every write: a write inside a transaction that
 * is rolled back, so nothing reaches the file. A lock held by another writer proves nothing
 * either way and is let pass.
 */
export function assertWritable(db: Db, path: string): void {
  const sqlite = db.$client;
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      sqlite.pragma(`user_version = ${sqlite.pragma('user_version', { simple: true }) as number}`);
    } finally {
      sqlite.exec('ROLLBACK');
    }
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY')) return;
    if (code.startsWith('SQLITE_READONLY')) throw new StoreUnusable(`${path}: the database cannot be written (a read-only file, folder or file system); Masthead must be able to write it`);
    throw error;
  }
}
