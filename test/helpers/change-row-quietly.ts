// SQLite-specific: the one way tests change a stored row behind the API's back (to simulate drift that
// no write through the port would cause); a PostgreSQL run needs its own version of this helper.
import type { Store } from '../../src/store/port.js';

type Table = 'articles' | 'sections' | 'sources' | 'api_keys' | 'webhooks';

/**
 * Sets columns of one row directly, with no revision, no change event, no version bump and no
 * cache generation move: what an out-of-band edit looks like to the app. Column names are snake_case.
 */
export function changeRowQuietly(store: Store, table: Table, id: number, columns: Record<string, string | number | null>): void {
  const names = Object.keys(columns);
  if (names.length === 0 || names.some((n) => !/^[a-z_]+$/.test(n))) throw new Error(`changeRowQuietly: bad columns ${names.join(', ')}`);
  const set = names.map((n) => `${n} = @${n}`).join(', ');
  const changed = store.legacy.db.$client.prepare(`UPDATE ${table} SET ${set} WHERE id = @id`).run({ ...columns, id }).changes;
  if (changed !== 1) throw new Error(`changeRowQuietly: no ${table} row ${id}`);
}
