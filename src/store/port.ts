/**
 * The storage port: the one async interface the features use to reach the database, whatever
 * the dialect. Reads go through the repositories of `Store`; a write is a unit of work,
 * `store.write(async (tx) => …)`, in which the content change, its change-feed event, its
 * outbox rows and its search-index entry are all written through the same `tx` and commit
 * together or not at all. Nothing here is correct "because there is one writer": updates are
 * conditional on the version the caller read, and inserts that may collide rely on the unique
 * constraints, whose violations the adapter turns into the 409 of src/store/unique.ts.
 *
 * Adapters: src/store/sqlite/ (better-sqlite3, the embedded default). They are the only code
 * that knows a driver or a dialect (test/store/boundary.test.ts holds them to it).
 *
 * Moving in steps: sections and sources are behind the port; the other features still reach
 * SQLite through `legacy` until they move (see the issue notes of "Storage port").
 */
import type { Db } from './sqlite/connection.js';

export type Dialect = 'sqlite' | 'postgres';

/** Times are epoch milliseconds (UTC) in every row; the API turns them into RFC 3339. */
export type SectionRow = {
  id: number;
  slug: string;
  name: string;
  description: string | null;
  parentId: number | null;
  position: number;
  version: number;
  createdAt: number;
  updatedAt: number;
};

export const SOURCE_KINDS = ['newspaper', 'agency', 'website', 'partner', 'internal'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export type SourceRow = {
  id: number;
  slug: string;
  name: string;
  url: string | null;
  kind: SourceKind;
  version: number;
  createdAt: number;
  updatedAt: number;
};

type Mutable<Row> = Omit<Row, 'id' | 'version' | 'createdAt' | 'updatedAt'>;

/** Where a keyset page starts: after the row with this sort value and id. */
export type After<V> = { value: V; id: number };

/**
 * What sections and sources have in common: records with a unique slug and a version, read by
 * id or slug, listed by keyset, changed only at the version the caller read.
 */
export interface CatalogRepo<Row extends { id: number; slug: string; version: number }> {
  byId(id: number): Promise<Row | undefined>;
  bySlug(slug: string): Promise<Row | undefined>;
  insert(values: Mutable<Row> & { createdAt: number }): Promise<Row>;
  /** Changes the row only if it still has `version`; undefined when it does not (or is gone). */
  update(id: number, version: number, patch: Partial<Mutable<Row>> & { updatedAt: number }): Promise<Row | undefined>;
  /** Deletes the row only if it still has `version`; false when it does not (or is gone). */
  delete(id: number, version: number): Promise<boolean>;
  /** Whether any article (trashed ones included) refers to the record. */
  inUse(id: number): Promise<boolean>;
}

export type SectionFilter = { parentId?: number | null };

export interface SectionRepo extends CatalogRepo<SectionRow> {
  /** In navigation order (position, id), after `after`, at most `limit` rows. */
  page(filter: SectionFilter, after: After<number> | undefined, limit: number): Promise<SectionRow[]>;
  /** Every section in navigation order (the tree). */
  all(): Promise<SectionRow[]>;
  hasChildren(id: number): Promise<boolean>;
  /** The ids of a section and all its subsections. */
  descendantIds(id: number): Promise<number[]>;
}

export type SourceFilter = { kind?: SourceKind };

export interface SourceRepo extends CatalogRepo<SourceRow> {
  /** By name, then id, after `after`, at most `limit` rows. */
  page(filter: SourceFilter, after: After<string> | undefined, limit: number): Promise<SourceRow[]>;
}

export interface Repositories {
  readonly sections: SectionRepo;
  readonly sources: SourceRepo;
}

/**
 * A unit of work in progress. Reads through `tx` see its own writes. `savepoint` runs a part
 * that may fail on its own (an import line) without undoing the rest; `afterCommit` runs once
 * the whole unit has committed (cache generations move then, never before the data is visible).
 */
export interface Tx extends Repositories {
  savepoint<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  afterCommit(hook: () => void): void;
}

export interface Store extends Repositories {
  readonly dialect: Dialect;
  /**
   * Runs `work` as one unit of work and commits it; rolls it back when `work` throws, and
   * rethrows. Writers take turns; one that cannot get its turn in time fails with the 503
   * `database-busy` (Retry-After), a full disk with the 507 `storage-full`.
   */
  write<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Throws when the database cannot answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * The SQLite handle for the features not yet behind the port. `exclusive` runs a synchronous
   * legacy write while no unit of work is open, so that it never lands inside one.
   */
  readonly legacy: { readonly db: Db; exclusive<T>(work: () => T): Promise<T> };
}

/** Runs `work` inside the caller's unit of work when there is one (an import's batch), else in its own. */
export const inUnit = <T>(store: Store, tx: Tx | undefined, work: (tx: Tx) => Promise<T>): Promise<T> => (tx ? work(tx) : store.write(work));
