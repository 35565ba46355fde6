import type { After } from '../port.js';

/** A statement's values as they are bound: `bind` returns the placeholder. */
export type Bind = (value: unknown) => string;

export function binder(): { values: unknown[]; bind: Bind } {
  const values: unknown[] = [];
  return { values, bind: (value) => `$${values.push(value)}` };
}

/** One way of ordering a keyset list: a column (integer or text), a direction, `id` in the same direction as tiebreaker. */
export type Keyset = { column: string; id: string; type: 'int' | 'text'; desc: boolean; nullable?: boolean };

/** SQLite's numeric affinity: text that reads as a number is compared as that number. */
const NUMERIC_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
const INT8_MIN = "'-9223372036854775808'";
const INT8_MAX = "'9223372036854775807'";

/**
 * The keyset condition "after (value, id)" in the order of `k`, as src/store/sqlite/keyset.ts:
 * NULLs sort first ascending and last descending; a null value is a row among the NULLs (every
 * non-null row is after it ascending, only NULLs with a lower id descending); after a non-null
 * value descending, the NULLs are still to come. A row comparison skips NULL rows by itself.
 *
 * The value comes from a client's cursor, which says only "a number or a string". SQLite compares
 * whatever it gets (a string that reads as a number as that number, other text above every
 * number, any number with an integer column); a cast would make PostgreSQL refuse such a value
 * with an error, so it is brought to the same answer here instead: a fraction is rounded to the
 * side that gives the same rows, text above every number and numbers beyond int8 are the ends.
 */
export function keysetAfter(k: Keyset, at: After<number | string | null>, bind: Bind): string {
  const { column: col, id } = k;
  const op = k.desc ? '<' : '>';
  if (at.value === null) {
    const sameNull = `(${col} IS NULL AND ${id} ${op} ${bind(at.id)}::int8)`;
    return k.desc ? sameNull : `(${sameNull} OR ${col} IS NOT NULL)`;
  }
  const nullsAfter = (condition: string) => (k.desc && k.nullable ? `(${condition} OR ${col} IS NULL)` : condition);
  if (k.type === 'text') return nullsAfter(`(${col}, ${id}) ${op} (${bind(String(at.value))}::text, ${bind(at.id)}::int8)`);

  let value = at.value;
  if (typeof value === 'string') {
    if (!NUMERIC_TEXT.test(value)) return nullsAfter(k.desc ? 'TRUE' : 'FALSE');
    value = Number(value);
  }
  // Beyond every int8 (and every JS-safe id or time): nothing is after the top ascending, everything descending.
  if (value > Number.MAX_SAFE_INTEGER) return nullsAfter(k.desc ? 'TRUE' : 'FALSE');
  if (value < Number.MIN_SAFE_INTEGER) return k.desc ? (k.nullable ? `${col} IS NULL` : 'FALSE') : `${col} IS NOT NULL`;
  if (!Number.isInteger(value)) {
    // No integer equals a fraction: ascending, after it is from its ceiling on; descending, from its floor down.
    return k.desc
      ? nullsAfter(`(${col}, ${id}) < (${bind(Math.ceil(value))}::int8, ${INT8_MIN}::int8)`)
      : `(${col}, ${id}) > (${bind(Math.floor(value))}::int8, ${INT8_MAX}::int8)`;
  }
  return nullsAfter(`(${col}, ${id}) ${op} (${bind(value)}::int8, ${bind(at.id)}::int8)`);
}
