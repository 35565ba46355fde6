import type pg from 'pg';

/**
 * What every repository of the PostgreSQL adapter is built on: something that runs one statement.
 * Outside a unit of work it is the pool (each read on whichever connection is free); inside one, the
 * unit's own client, so that every statement of the unit runs in its transaction. Repositories
 * never begin, commit or pick a connection themselves (src/store/postgres/store.ts does).
 *
 * Statements are unnamed (node-postgres sends no `name` unless asked): PostgreSQL plans each one
 * for its parameters, never with a generic plan that turned a rare search term from 0.2 ms into 2 s.
 * int8 comes back as a JS number (the pool's parser, connection.ts); jsonb values are sent as
 * JSON text (`JSON.stringify`), since node-postgres turns a JS array into an array literal.
 */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** The rows of one statement. */
export async function rows<R extends pg.QueryResultRow>(q: Queryable, text: string, values: unknown[] = []): Promise<R[]> {
  return (await q.query<R>(text, values)).rows;
}

/** The first row of one statement, undefined when there is none. */
export async function row<R extends pg.QueryResultRow>(q: Queryable, text: string, values: unknown[] = []): Promise<R | undefined> {
  return (await q.query<R>(text, values)).rows[0];
}

/** How many rows the statement changed. */
export async function changed(q: Queryable, text: string, values: unknown[] = []): Promise<number> {
  return (await q.query(text, values)).rowCount ?? 0;
}
