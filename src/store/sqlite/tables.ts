import { and, count, eq, getTableColumns, gt, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { COPIED_TABLES, type CopiedTable, type TableReader, type TableRow, type TableWriter } from '../port.js';
import type { Db } from './connection.js';
import * as schema from './schema.js';

/** Each copied table and the fields of its key, the order its rows are read in. */
const SPECS: Record<CopiedTable, { table: SQLiteTable; key: string[] }> = {
  sections: { table: schema.sections, key: ['id'] },
  sources: { table: schema.sources, key: ['id'] },
  articles: { table: schema.articles, key: ['id'] },
  article_tags: { table: schema.articleTags, key: ['articleId', 'tag'] },
  article_slug_history: { table: schema.articleSlugHistory, key: ['slug'] },
  article_revisions: { table: schema.articleRevisions, key: ['id'] },
  related_links: { table: schema.relatedLinks, key: ['id'] },
  api_keys: { table: schema.apiKeys, key: ['id'] },
  webhooks: { table: schema.webhooks, key: ['id'] },
  webhook_deliveries: { table: schema.webhookDeliveries, key: ['id'] },
  // The cursor is commit order here (one writer): the feed's order.
  change_events: { table: schema.changeEvents, key: ['cursor'] },
};

const columnOf = (table: SQLiteTable, field: string) => (table as unknown as Record<string, SQLiteColumn>)[field]!;

/** Rows after `values` in the order of `columns`: (a > x) or (a = x and b > y). */
function after(columns: SQLiteColumn[], values: unknown[]): SQL {
  const [first, ...rest] = columns;
  const [value, ...others] = values;
  if (rest.length === 0) return gt(first!, value);
  return or(gt(first!, value), and(eq(first!, value), after(rest, others)))!;
}

/**
 * SQLite has no limit of its own on rows per statement, only on bound values (32,766 in this
 * build): a few hundred rows a statement, whatever their width.
 */
const rowsPerStatement = (table: SQLiteTable) => Math.max(1, Math.min(500, Math.floor(30_000 / Object.keys(getTableColumns(table)).length)));

/** Reading the copied tables a page at a time, in the same form as the PostgreSQL adapter (drizzle's rows are it). */
export function createTableReader(db: Db): TableReader {
  return {
    count: async (name) => db.select({ n: count() }).from(SPECS[name].table).get()!.n,
    async page(name, from, limit) {
      const { table, key } = SPECS[name];
      const columns = key.map((field) => columnOf(table, field));
      const query = db.select().from(table);
      const found = (from === undefined ? query : query.where(after(columns, from as unknown[]))).orderBy(...columns).limit(limit).all() as TableRow[];
      if (name === 'change_events') for (const row of found) row.position = row.cursor!;
      const last = found[found.length - 1];
      return { rows: found, after: found.length < limit || !last ? null : key.map((field) => last[field]) };
    },
  };
}

/** Writing them in a unit of work: the unit's BEGIN IMMEDIATE holds every other writer off already. */
export function createTableWriter(db: Db): TableWriter {
  return {
    ...createTableReader(db),
    async claim() {
      for (const name of COPIED_TABLES) if (db.select({ one: sql`1` }).from(SPECS[name].table).limit(1).all().length > 0) return name;
      return null;
    },
    async insert(name, rows) {
      const { table } = SPECS[name];
      const values = name === 'change_events' ? rows.map(({ position: _position, ...row }) => row) : rows;
      const size = rowsPerStatement(table);
      for (let i = 0; i < values.length; i += size) db.insert(table).values(values.slice(i, i + size)).run();
    },
    // AUTOINCREMENT keeps the largest id ever inserted, the copied ones included.
    finish: async () => undefined,
  };
}
