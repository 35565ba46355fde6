import { and, gt, isNotNull, isNull, lt, or, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { CursorValue } from '../../common/pagination.js';

/** One way of ordering a list: a column, a direction, and `id` in the same direction as tiebreaker. */
export type Sort = { key: string; column: SQLiteColumn; desc: boolean; nullable?: boolean };

/** The keyset condition "after (value, id)" in the order of `sort`; NULLs sort first ascending, last descending. Values may be placeholders of a prepared statement. */
export function after(sort: Sort, idColumn: SQLiteColumn, v: CursorValue | Placeholder, id: number | Placeholder): SQL {
  const col = sort.column;
  const beyond = sort.desc ? lt : gt;
  if (v === null) {
    const sameNull = and(isNull(col), beyond(idColumn, id))!;
    return sort.desc ? sameNull : or(sameNull, isNotNull(col))!;
  }
  const rowBeyond = sort.desc ? sql`(${col}, ${idColumn}) < (${v}, ${id})` : sql`(${col}, ${idColumn}) > (${v}, ${id})`;
  return sort.desc && sort.nullable ? or(rowBeyond, isNull(col))! : rowBeyond;
}

export function orderBy(sort: Sort, idColumn: SQLiteColumn): SQL[] {
  return sort.desc ? [sql`${sort.column} DESC`, sql`${idColumn} DESC`] : [sql`${sort.column} ASC`, sql`${idColumn} ASC`];
}
