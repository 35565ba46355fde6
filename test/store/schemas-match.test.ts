import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { getTableName } from 'drizzle-orm';
import t from 'tap';
import * as pg from '../../src/store/postgres/schema.js';
import * as sqlite from '../../src/store/sqlite/schema.js';

/**
 * The two adapters' drizzle schemas describe the same tables, columns, keys, constraints and
 * indexes, but for the differences listed here on purpose (docs/postgres.md says why).
 */
const ONLY_POSTGRES = {
  // SQLite's search index is the FTS5 virtual table articles_fts, written by hand in its migration;
  // SQLite counts the content generation in the process (and PRAGMA data_version) and keeps an
  // import's pending links in TEMP tables of its one writing connection.
  tables: ['article_search', 'content_generation', 'import_pending_links'],
  // The writing transaction's id, the change feed's fence against commits out of cursor order.
  columns: ['change_events.xid'],
  // Sources page by name; SQLite sorts its few hundred rows without an index.
  // The feed's order behind the fence (transaction id, then cursor).
  indexes: ['sources.sources_name_idx', 'change_events.change_events_xid_idx'],
};

type Shape = {
  columns: string[];
  notNull: string[];
  defaults: string[];
  primaryKey: string[];
  foreignKeys: string[];
  indexes: string[];
  checks: string[];
};

const name = (c: unknown) => (c as { name?: string }).name ?? '(expression)';

function shapeOf(config: ReturnType<typeof pgConfig> | ReturnType<typeof sqliteConfig>): Shape {
  const pk = config.columns.filter((c) => c.primary).map((c) => c.name);
  for (const key of config.primaryKeys) pk.push(...key.columns.map((c) => c.name));
  return {
    columns: config.columns.map((c) => c.name),
    notNull: config.columns.filter((c) => c.notNull).map((c) => c.name),
    defaults: config.columns.filter((c) => c.hasDefault && !c.primary).map((c) => c.name),
    primaryKey: pk,
    foreignKeys: config.foreignKeys.map((fk) => {
      const r = fk.reference();
      return `${r.columns.map((c) => c.name).join(',')} -> ${getTableName(r.foreignTable)}(${r.foreignColumns.map((c) => c.name).join(',')}) on delete ${fk.onDelete}`;
    }),
    indexes: config.indexes.map((i) => `${i.config.name}${i.config.unique ? ' unique' : ''}${i.config.where ? ' partial' : ''} (${i.config.columns.map(name).join(',')})`).sort(),
    checks: config.checks.map((c) => c.name).sort(),
  };
}

const tablesOf = <T>(module: object, kind: abstract new (...args: never[]) => T): T[] => Object.values(module).filter((v: unknown) => v instanceof kind) as T[];

const pgTables = new Map(tablesOf(pg, PgTable).map((table) => [pgConfig(table).name, shapeOf(pgConfig(table))]));
const sqliteTables = new Map(tablesOf(sqlite, SQLiteTable).map((table) => [sqliteConfig(table).name, shapeOf(sqliteConfig(table))]));

t.test('both schemas have the same tables, but the PostgreSQL search index', async (t) => {
  t.same([...sqliteTables.keys()].sort(), [...pgTables.keys()].filter((n) => !ONLY_POSTGRES.tables.includes(n)).sort());
  t.ok(sqliteTables.size >= 11, `${sqliteTables.size} tables compared`);
});

t.test('each table has the same columns, in the same order, with the same keys, constraints and indexes', async (t) => {
  for (const [table, lite] of sqliteTables) {
    const shape = pgTables.get(table)!;
    const extra = ONLY_POSTGRES.indexes.filter((i) => i.startsWith(`${table}.`)).map((i) => i.slice(table.length + 1));
    const only = new Set(ONLY_POSTGRES.columns.filter((c) => c.startsWith(`${table}.`)).map((c) => c.slice(table.length + 1)));
    const keep = (columns: string[]) => columns.filter((c) => !only.has(c));
    const pgShape = {
      ...shape,
      columns: keep(shape.columns),
      notNull: keep(shape.notNull),
      defaults: keep(shape.defaults),
      indexes: shape.indexes.filter((i) => !extra.includes(i.split(' ')[0]!)),
    };
    t.same(pgShape, lite, table);
    t.ok(lite.columns.length > 0 && (lite.indexes.length > 0 || table === 'webhooks'), `${table}: ${lite.columns.length} columns, ${lite.indexes.length} indexes, ${lite.foreignKeys.length} foreign keys`);
  }
});

t.test('the intended differences are still differences (the list does not outlive its reasons)', async (t) => {
  for (const table of ONLY_POSTGRES.tables) t.ok(pgTables.has(table) && !sqliteTables.has(table), table);
  for (const entry of ONLY_POSTGRES.columns) {
    const [table, column] = entry.split('.') as [string, string];
    t.ok(pgTables.get(table)?.columns.includes(column) && !sqliteTables.get(table)?.columns.includes(column), `${entry} exists on PostgreSQL only`);
  }
  for (const entry of ONLY_POSTGRES.indexes) {
    const [table, index] = entry.split('.') as [string, string];
    t.ok(pgTables.get(table)?.indexes.some((i) => i.startsWith(`${index} `)), `${entry} exists on PostgreSQL`);
    t.notOk(sqliteTables.get(table)?.indexes.some((i) => i.startsWith(`${index} `)), `${entry} does not exist on SQLite`);
  }
});

t.test('the columns whose order or comparison is relied on compare as bytes on PostgreSQL', async (t) => {
  const collated = tablesOf(pg, PgTable)
    .flatMap((table) => pgConfig(table).columns.filter((c) => c.getSQLType().includes('COLLATE "C"')).map((c) => `${pgConfig(table).name}.${c.name}`))
    .sort();
  t.same(collated, [
    'article_slug_history.slug',
    'article_tags.tag',
    'articles.external_id',
    'articles.slug',
    'articles.title',
    'sections.slug',
    'sources.name',
    'sources.slug',
  ]);
});
