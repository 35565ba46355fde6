// SQLite-specific: the one way tests change a stored row behind the API's back (to simulate drift that
// no write through the port would cause): on SQLite through its connection, on PostgreSQL through a
// connection of its own to the test's database (registered by test/helpers/app.ts).
import pg from 'pg';
import type { Store } from '../../src/store/port.js';
import { sqliteHandleOf } from '../../src/store/sqlite/store.js';

type Table = 'articles' | 'sections' | 'sources' | 'api_keys' | 'webhooks';

const postgresUrls = new WeakMap<Store, string>();

/** Makes a PostgreSQL store's database reachable to changeRowQuietly. */
export function reachQuietly(store: Store, url: string): void {
  postgresUrls.set(store, url);
}

/**
 * Sets columns of one row directly, with no revision, no change event, no version bump and no
 * cache generation move: what an out-of-band edit looks like to the app. Column names are snake_case.
 */
export async function changeRowQuietly(store: Store, table: Table, id: number, columns: Record<string, string | number | null>): Promise<void> {
  const names = Object.keys(columns);
  if (names.length === 0 || names.some((n) => !/^[a-z_]+$/.test(n))) throw new Error(`changeRowQuietly: bad columns ${names.join(', ')}`);
  let changed: number;
  if (store.dialect === 'postgres') {
    const url = postgresUrls.get(store);
    if (!url) throw new Error('changeRowQuietly: this PostgreSQL store was not registered with reachQuietly');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const set = names.map((n, i) => `${n} = $${i + 2}`).join(', ');
      changed = (await client.query(`UPDATE ${table} SET ${set} WHERE id = $1`, [id, ...names.map((n) => columns[n])])).rowCount ?? 0;
    } finally {
      await client.end();
    }
  } else {
    const set = names.map((n) => `${n} = @${n}`).join(', ');
    changed = sqliteHandleOf(store).$client.prepare(`UPDATE ${table} SET ${set} WHERE id = @id`).run({ ...columns, id }).changes;
  }
  if (changed !== 1) throw new Error(`changeRowQuietly: no ${table} row ${id}`);
}
