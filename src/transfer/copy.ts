import { createHash, type Hash } from 'node:crypto';
import {
  COPIED_TABLES,
  positionKey,
  type CopiedTable,
  type FeedPosition,
  type SearchableRow,
  type SearchDocument,
  type Store,
  type TableReader,
  type TableRow,
  type Tx,
} from '../store/port.js';

/** What one side holds of a table: its rows, and a checksum of them in canonical form, in the table's order. */
export type TableSum = { rows: number; checksum: string };
export type TableReport = { table: CopiedTable; source: TableSum; destination: TableSum };

/** The destination holds state already (`table` has rows): a copy only goes into an empty database. */
export class DestinationNotEmpty extends Error {
  override name = 'DestinationNotEmpty';
  constructor(readonly table: CopiedTable) {
    super(`the destination is not empty (${table} has rows)`);
  }
}

/** What the destination read back differs from the source: the unit rolled back, nothing was kept. */
export class CopyMismatch extends Error {
  override name = 'CopyMismatch';
  constructor(readonly report: TableReport[]) {
    super(`the copy differs from its source in ${report.filter(differs).map((r) => r.table).join(', ')}`);
  }
}

export const differs = (r: TableReport) => r.source.rows !== r.destination.rows || r.source.checksum !== r.destination.checksum;

/** How far a table has got, for a progress line: `total` rows to copy. */
export type TableProgress = { update(rows: number): void; done(rows: number): void };

export type CopyOptions = {
  /** The search index's document of an article (src/search/index.ts): the destination's index is built from the articles, in its own format. */
  documentOf: (row: SearchableRow) => SearchDocument;
  /** Rows read and written at a time. */
  batch?: number;
  progress?: (table: CopiedTable, total: number) => TableProgress;
};

/**
 * Fields that are not the same state on both sides. A webhook's lease belongs to the source's
 * delivery workers (on the destination it starts free); a change event's cursor and position are
 * the destination's own (the feed's order is what is kept), its `origin` is what stands for the
 * source's position.
 */
const LOCAL: Partial<Record<CopiedTable, string[]>> = {
  webhooks: ['leaseOwner', 'leaseUntil'],
  change_events: ['cursor', 'position', 'origin'],
};

/** A row as text, the same on every adapter: its fields sorted by name, the local ones left out. */
function canonical(table: CopiedTable, row: TableRow, side: 'source' | 'destination'): string {
  const local = LOCAL[table] ?? [];
  const fields = Object.keys(row)
    .filter((f) => !local.includes(f))
    .sort()
    .map((f) => [f, row[f]]);
  if (table === 'change_events') fields.push(['from', side === 'source' ? positionKey(row.position as FeedPosition) : row.origin!]);
  return JSON.stringify(fields);
}

function summer(table: CopiedTable, side: 'source' | 'destination') {
  const hash: Hash = createHash('sha256');
  let rows = 0;
  return {
    add(row: TableRow) {
      hash.update(canonical(table, row, side)).update('\n');
      rows++;
    },
    sum: (): TableSum => ({ rows, checksum: hash.digest('hex').slice(0, 16) }),
  };
}

/** Every page of a table, in its order. */
async function* pages(reader: TableReader, table: CopiedTable, batch: number): AsyncGenerator<TableRow[]> {
  let after: unknown;
  do {
    const page = await reader.page(table, after, batch);
    if (page.rows.length > 0) yield page.rows;
    after = page.after;
  } while (after !== null);
}

/**
 * What the destination writes of a source page: change events numbered in the source feed's
 * order (the source cursor where that order agrees, as on SQLite, else the next free number),
 * each with its source position as `origin`; webhooks without the source's leases.
 */
function prepare(table: CopiedTable, rows: TableRow[], cursor: { last: number }): TableRow[] {
  if (table === 'webhooks') return rows.map((row) => ({ ...row, leaseOwner: null, leaseUntil: null }));
  if (table !== 'change_events') return rows;
  return rows.map((row) => {
    cursor.last = Math.max(cursor.last + 1, row.cursor as number);
    return { ...row, cursor: cursor.last, origin: positionKey(row.position as FeedPosition) };
  });
}

async function copyTable(table: CopiedTable, from: TableReader, tx: Tx, options: CopyOptions & { batch: number }): Promise<TableSum> {
  const progress = options.progress?.(table, await from.count(table));
  const sum = summer(table, 'source');
  const cursor = { last: 0 };
  let copied = 0;
  for await (const rows of pages(from, table, options.batch)) {
    for (const row of rows) sum.add(row);
    await tx.tables.insert(table, prepare(table, rows, cursor));
    if (table === 'articles') for (const row of rows) await tx.searchIndex.put(row.id as number, options.documentOf(row as unknown as SearchableRow));
    copied += rows.length;
    progress?.update(copied);
  }
  progress?.done(copied);
  return sum.sum();
}

async function sumOf(reader: TableReader, table: CopiedTable, batch: number): Promise<TableSum> {
  const sum = summer(table, 'destination');
  for await (const rows of pages(reader, table, batch)) for (const row of rows) sum.add(row);
  return sum.sum();
}

/**
 * Copies every table of `source` that holds state into `destination`, which must hold none, and
 * verifies it: `masthead copy`. The source is read in one snapshot (writers may go on; what
 * they commit after it began is not copied). The destination is written in one unit of work,
 * which reads every table back and compares its rows and checksum with the source's before it
 * commits: a copy that fails, or does not match, leaves the destination as it was.
 */
export async function copyStore(source: Store, destination: Store, options: CopyOptions): Promise<TableReport[]> {
  const batch = options.batch ?? 500;
  return source.snapshot((from) =>
    destination.write(async (tx) => {
      const taken = await tx.tables.claim();
      if (taken) throw new DestinationNotEmpty(taken);
      const sums = new Map<CopiedTable, TableSum>();
      for (const table of COPIED_TABLES) sums.set(table, await copyTable(table, from, tx, { ...options, batch }));
      await tx.tables.finish();
      tx.contentChanged();
      const report: TableReport[] = [];
      for (const table of COPIED_TABLES) report.push({ table, source: sums.get(table)!, destination: await sumOf(tx.tables, table, batch) });
      if (report.some(differs)) throw new CopyMismatch(report);
      return report;
    }),
  );
}
