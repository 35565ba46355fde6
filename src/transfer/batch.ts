import type Database from 'better-sqlite3';
import { applyArticleFields, applyRecord, type ApplyContext, type Applied } from './apply.js';
import { settleLinks, type LinkOutcome, type LinkSubject } from './links.js';
import type { LineKeys, ParsedLine } from './parse.js';
import type { PreparedBatch } from './prepare.js';
import { problemsOf, resultOf } from './report.js';
import type { ImportLineResultDto, ImportRecordInput, LineProblemDto, LinkRefInput } from './schemas.js';
import type { PendingLinks, PendingList } from './store.js';

/** A line whose links wait for articles later in its batch (or, failing that, later in the file). */
type Waiting = { index: number; keys: LineKeys; refs: LinkRefInput[]; subject: LinkSubject };
type NonArticle = Exclude<ImportRecordInput, { type: 'article' }>;

/** A line failed after writing part of itself: the batch is rolled back and run again without it. */
class PartialWrite {
  constructor(
    readonly index: number,
    readonly problems: LineProblemDto[],
  ) {}
}
const ROLLBACK = Symbol('dry run: roll back');

export const keysOfPending = (p: PendingLinks): LineKeys => ({
  line: p.line,
  type: 'article',
  ...(p.externalId ? { externalId: p.externalId } : {}),
  ...(p.slug ? { slug: p.slug } : {}),
});

export const linkResult = (keys: LineKeys, id: number | undefined, o: Exclude<LinkOutcome, { done: false }>) =>
  o.status === 'failed' ? resultOf(keys, 'failed', { problems: o.problems! }) : resultOf(keys, o.status, { id });

/**
 * Runs batches of parsed lines, each in one transaction. Lines run without savepoints: a
 * savepoint per line makes the full-text index flush a segment per article, ten times slower.
 * Most failures (bad references, taken keys, mode) happen before a line writes anything, so the
 * line is just reported; one that fails half-written (SQLite's change counter moved) has the batch
 * rolled back and run again without it. Dry runs roll every batch back, and carry forward what
 * later batches need: the sections and sources (written again) and the articles' keys.
 */
export function createBatchRunner(sqlite: Database.Database, ctx: ApplyContext, pending: PendingList) {
  const changes = sqlite.prepare('SELECT total_changes() AS n').pluck();
  const savepoint = sqlite.transaction(<T>(fn: () => T): T => fn());
  const replay: NonArticle[] = [];
  const idOf = (id: number) => (ctx.dryRun ? undefined : id);

  function attempt(index: number, keys: LineKeys, results: ImportLineResultDto[], fn: () => void): void {
    const before = changes.get();
    try {
      fn();
    } catch (error) {
      const problems = problemsOf(error);
      if (changes.get() !== before) throw new PartialWrite(index, problems);
      results.push(resultOf(keys, 'failed', { problems }));
    }
  }

  /** A later line for the same article replaces its links: the earlier line's waiting links are dropped, and it is reported as it stood. */
  function supersede(articleId: number, waiting: Map<number, Waiting>, results: ImportLineResultDto[]): void {
    const earlier = waiting.get(articleId);
    if (earlier) results.push(resultOf(earlier.keys, earlier.subject.status, { id: articleId }));
    waiting.delete(articleId);
    for (const p of pending.take(articleId)) results.push(resultOf(keysOfPending(p), p.status, { id: articleId }));
  }

  function applyLine(index: number, item: Extract<ParsedLine, { ok: true }>, results: ImportLineResultDto[], waiting: Map<number, Waiting>): void {
    const r = item.record;
    const applied: Applied = r.type === 'article' ? applyArticleFields(r, ctx) : applyRecord(r, ctx);
    const keys = applied.slug && !item.keys.slug ? { ...item.keys, slug: applied.slug } : item.keys;
    if (r.type !== 'article') {
      if (ctx.dryRun) replay.push(r);
      return void results.push(resultOf(keys, applied.status, { id: idOf(applied.id) }));
    }
    let outcome: LinkOutcome = { done: true, status: applied.status };
    // A created article's id means nothing after a dry run's rollback: 0 matches no stored links.
    const subject = { id: ctx.dryRun && applied.status === 'created' ? 0 : applied.id, status: applied.status, externalId: r.externalId, slug: applied.slug };
    if (r.relatedLinks !== undefined) outcome = settleLinks(r.relatedLinks, subject, ctx, { final: false, sameBatch: true });
    // Past the last thing that can fail this line.
    if (ctx.dryRun) {
      if (r.externalId != null) ctx.virtual.add(`x:${r.externalId}`);
      ctx.virtual.add(`s:${applied.slug}`);
    } else if (r.relatedLinks !== undefined) supersede(applied.id, waiting, results);
    if (outcome.done) results.push(linkResult(keys, idOf(applied.id), outcome));
    else waiting.set(ctx.dryRun ? -index - 1 : applied.id, { index, keys, refs: r.relatedLinks!, subject });
  }

  function work(batch: ParsedLine[], excluded: Map<number, LineProblemDto[]>, results: ImportLineResultDto[], later: Waiting[]): void {
    for (const r of replay) {
      try {
        savepoint(() => applyRecord(r, ctx));
      } catch {
        // Applied once already; if a later line made it fail since, that was reported then.
      }
    }
    const waiting = new Map<number, Waiting>();
    batch.forEach((item, index) => {
      const skipped = excluded.get(index);
      if (skipped) results.push(resultOf(item.keys, 'failed', { problems: skipped }));
      else if (!item.ok) results.push(resultOf(item.keys, 'failed', { problems: item.problems }));
      else attempt(index, item.keys, results, () => applyLine(index, item, results, waiting));
    });
    for (const w of waiting.values()) {
      attempt(w.index, w.keys, results, () => {
        const outcome = settleLinks(w.refs, w.subject, ctx, { final: false, sameBatch: true });
        if (outcome.done) results.push(linkResult(w.keys, idOf(w.subject.id), outcome));
        else later.push(w);
      });
    }
  }

  const addPending = (w: Waiting) =>
    pending.add({ articleId: w.subject.id, line: w.keys.line, status: w.subject.status, externalId: w.keys.externalId, slug: w.keys.slug, links: JSON.stringify(w.refs) });

  /** Applies one batch; returns its lines' results, once it is committed (or, on a dry run, rolled back). */
  return function runBatch({ lines: batch, segments }: PreparedBatch): ImportLineResultDto[] {
    const excluded = new Map<number, LineProblemDto[]>();
    const known = new Map(segments);
    for (;;) {
      const results: ImportLineResultDto[] = [];
      const later: Waiting[] = [];
      const replayed = replay.length;
      try {
        // IMMEDIATE: the write lock from the start. A deferred transaction reads first, and if the
        // server's connection commits meanwhile (an import on its own thread), its first write fails
        // at once with SQLITE_BUSY (the snapshot is stale) instead of waiting for the lock.
        sqlite
          .transaction(() => {
            // The batch's index writes go in together at its end: see SearchIndex.hold.
            ctx.search.hold(() => work(batch, excluded, results, later), known);
            if (ctx.dryRun) throw ROLLBACK;
            later.forEach(addPending);
          })
          .immediate();
      } catch (error) {
        if (error instanceof PartialWrite) {
          excluded.set(error.index, error.problems);
          replay.length = replayed;
          continue;
        }
        if (error !== ROLLBACK) throw error;
        later.forEach(addPending);
      }
      return results;
    }
  };
}
