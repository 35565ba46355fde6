import { and, asc, count, eq, getTableColumns, getTableName, gt, or, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { COPIED_TABLES, type CopiedTable, type TableReader, type TableRow, type TableWriter } from '../port.js';
import * as schema from './schema.js';

/** Each copied table, the fields of its key (the order its rows are read in) and its identity column, if any. */
const SPECS: Record<CopiedTable, { table: PgTable; key: string[]; identity?: string }> = {
  sections: { table: schema.sections, key: ['id'], identity: 'id' },
  sources: { table: schema.sources, key: ['id'], identity: 'id' },
  articles: { table: schema.articles, key: ['id'], identity: 'id' },
  article_tags: { table: schema.articleTags, key: ['articleId', 'tag'] },
  article_slug_history: { table: schema.articleSlugHistory, key: ['slug'] },
  article_revisions: { table: schema.articleRevisions, key: ['id'], identity: 'id' },
  related_links: { table: schema.relatedLinks, key: ['id'], identity: 'id' },
  api_keys: { table: schema.apiKeys, key: ['id'], identity: 'id' },
  webhooks: { table: schema.webhooks, key: ['id'], identity: 'id' },
  webhook_deliveries: { table: schema.webhookDeliveries, key: ['id'], identity: 'id' },
  // Read in the feed's order, (transaction, cursor): see feed.ts.
  change_events: { table: schema.changeEvents, key: ['xid', 'cursor'], identity: 'cursor' },
};

const columnOf = (table: PgTable, field: string) => (table as unknown as Record<string, PgColumn>)[field]!;

/** Rows after `values` in the order of `columns`: (a > x) or (a = x and b > y). */
function after(columns: PgColumn[], values: unknown[]): SQL {
  const [first, ...rest] = columns;
  const [value, ...others] = values;
  // A transaction id arrives as text, and compares as xid8 only.
  const xid = first === schema.changeEvents.xid;
  const greater = xid ? sql`${first} > ${value}::xid8` : gt(first!, value);
  if (rest.length === 0) return greater;
  return or(greater, and(xid ? sql`${first} = ${value}::xid8` : eq(first!, value), after(rest, others)))!;
}

/** Bound values per statement are at most 65,535: a few hundred rows, whatever their width. */
const rowsPerStatement = (table: PgTable) => Math.max(1, Math.min(500, Math.floor(30_000 / Object.keys(getTableColumns(table)).length)));

type Client = pg.PoolClient;

/**
 * Reading the copied tables a page at a time, in the same form as the SQLite adapter: drizzle's
 * rows (bigint columns in `mode: 'number'`, jsonb and json parsed, booleans) are that form already.
 * A change event's transaction id stays here: its row carries its feed position instead.
 */
export function createTableReader(client: Client): TableReader {
  const db = drizzle({ client, schema });
  return {
    count: async (name) => (await db.select({ n: count() }).from(SPECS[name].table))[0]!.n,
    async page(name, from, limit) {
      const { table, key } = SPECS[name];
      const columns = key.map((field) => columnOf(table, field));
      const query = db.select().from(table);
      const found = (await (from === undefined ? query : query.where(after(columns, from as unknown[]))).orderBy(...columns.map((c) => asc(c))).limit(limit)) as TableRow[];
      const last = found[found.length - 1];
      const next = found.length < limit || !last ? null : key.map((field) => last[field]);
      if (name === 'change_events') {
        for (const row of found) {
          row.position = { xid: Number(row.xid), cursor: row.cursor as number };
          delete row.xid;
        }
      }
      return { rows: found, after: next };
    },
  };
}

/**
 * The indexes of the (empty) search index that back no constraint — GIN, and RUM where it is — are
 * dropped inside the copy's transaction and made again at its end (finish): filling RUM one entry
 * at a time cost 95 % of a copy into PostgreSQL, and one build is an order of magnitude cheaper.
 * Should the copy fail, its rollback brings them back as they were. Their definitions, to make them again.
 */
async function putOffSearchIndexes(client: Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
      WHERE i.indrelid = 'article_search'::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  );
  for (const { name } of rows) await client.query(`DROP INDEX ${name}`);
  return rows.map((r) => r.definition);
}

/** Writing them inside the copy's unit of work, on its connection. */
export function createTableWriter(client: Client): TableWriter {
  const db = drizzle({ client, schema });
  const names = COPIED_TABLES.map((name) => `"${getTableName(SPECS[name].table)}"`).join(', ');
  let putOff: string[] = [];
  return {
    ...createTableReader(client),
    async claim() {
      // EXCLUSIVE lets readers in and keeps every writer (a server started on the destination) out until the copy commits.
      await client.query(`SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0; LOCK TABLE ${names} IN EXCLUSIVE MODE`);
      for (const name of COPIED_TABLES) if ((await db.select({ one: sql`1` }).from(SPECS[name].table).limit(1)).length > 0) return name;
      putOff = await putOffSearchIndexes(client);
      return null;
    },
    async insert(name, rows) {
      const { table } = SPECS[name];
      // A change event's xid is the copy's own transaction (the column's default): the feed serves them, in cursor order, once it commits.
      const values = name === 'change_events' ? rows.map(({ position: _position, ...row }) => row) : rows;
      const size = rowsPerStatement(table);
      for (let i = 0; i < values.length; i += size) await db.insert(table).values(values.slice(i, i + size));
    },
    async finish() {
      // The copy's entries were written pending (where search ranks with RUM), and RUM is built once here: it takes them all in.
      if (putOff.length > 0) await client.query('UPDATE article_search SET pending = false WHERE pending');
      for (const definition of putOff) await client.query(definition);
      putOff = [];
      for (const name of COPIED_TABLES) {
        const { table, identity } = SPECS[name];
        if (!identity) continue;
        const column = columnOf(table, identity).name;
        const tableName = getTableName(table);
        await client.query(
          `SELECT setval(pg_get_serial_sequence('"${tableName}"', '${column}'), coalesce(max("${column}"), 1), max("${column}") IS NOT NULL) FROM "${tableName}"`,
        );
      }
    },
  };
}
