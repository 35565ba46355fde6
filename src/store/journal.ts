import type { CheckFinding } from './port.js';

/** A migration as drizzle's journal records it (its SQL's SHA-256 and the time in its name), or as this build holds it. */
export type AppliedMigration = { hash: string; at: number };

/**
 * What `masthead check` says of a database's migration journal against this build's migrations,
 * on either store: migrations of a newer Masthead, migrations applied from other SQL than this
 * build's, migrations pending, and migrations missing below the last one applied. None is damage
 * to the data; each is a warning.
 */
export function compareJournal(applied: AppliedMigration[], known: AppliedMigration[]): CheckFinding[] {
  const findings: CheckFinding[] = [];
  const warn = (message: string) => void findings.push({ level: 'warning', message });
  const byTime = new Map(known.map((m) => [m.at, m]));
  const newer = applied.filter((a) => a.at > known[known.length - 1]!.at);
  if (newer.length > 0) warn(`the database was migrated by a newer Masthead (${newer.length} migrations this build does not know): checked by this build's rules only`);
  const changed = applied.filter((a) => byTime.has(a.at) && byTime.get(a.at)!.hash !== a.hash);
  if (changed.length > 0) warn(`${changed.length} migrations were applied from other SQL than this build's (of ${changed.map((c) => new Date(c.at).toISOString()).join(', ')})`);
  const done = new Set(applied.map((a) => a.at));
  const last = applied.at(-1)?.at ?? 0;
  const missing = known.filter((m) => !done.has(m.at));
  const pending = missing.filter((m) => m.at > last).length;
  const skipped = missing.length - pending;
  if (pending > 0) warn(`${pending} migrations of this build are not applied yet: masthead migrate applies them`);
  if (skipped > 0) warn(`${skipped} migrations older than the last one applied are missing from the journal`);
  return findings;
}
