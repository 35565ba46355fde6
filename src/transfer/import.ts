import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ArticleStore } from '../articles/store.js';
import type { Db } from '../db/connection.js';
import { AppError } from '../http/problem.js';
import type { SectionStore } from '../sections/store.js';
import type { SourceStore } from '../sources/store.js';
import { applyArticleFields, applyRecord, type ApplyContext, type Applied } from './apply.js';
import { readLines, type LineLimits } from './lines.js';
import { settleLinks, type LinkOutcome, type LinkSubject } from './links.js';
import { parseLine, type LineKeys, type ParsedLine } from './parse.js';
import { problemsOf, resultOf } from './report.js';
import type { ImportLineResultDto, ImportMode, ImportRecordInput, ImportTotalsDto, LinkRefInput } from './schemas.js';
import type { PendingLinks, TransferStore } from './store.js';

export type ImportDeps = { db: Db; sections: SectionStore; sources: SourceStore; articles: ArticleStore; transfer: TransferStore };
export type ImportOptions = { mode: ImportMode; batchSize: number; dryRun: boolean; keyId: number | null; limits: LineLimits };
/** Receives the results of each committed batch (and of the links settled at the end), in that order. */
export type ResultSink = (results: ImportLineResultDto[]) => void;

/** A line whose links wait for articles later in its batch (or, failing that, later in the file). */
type Waiting = { keys: LineKeys; refs: LinkRefInput[]; subject: LinkSubject };

const ROLLBACK = Symbol('dry run: roll back');
const aborted = () => new AppError(400, 'body-incomplete', 'The body ended before it was complete (the client went away)');

/**
 * Imports an NDJSON stream: lines are read one at a time and applied in batches of `batchSize`
 * lines, each batch one transaction and each line a savepoint in it, so a bad line is rolled
 * back alone and reported. Batches run synchronously (better-sqlite3): nothing else can write
 * in the middle of one, and a body that breaks off leaves only whole batches. Related links to
 * articles later in the file are settled at the end of the batch, or of the import.
 */
export async function runImport(deps: ImportDeps, body: AsyncIterable<Buffer | string>, opts: ImportOptions, sink: ResultSink): Promise<ImportTotalsDto> {
  const sqlite = deps.db.$client;
  const savepoint = sqlite.transaction(<T>(fn: () => T): T => fn());
  const ctx: ApplyContext = { ...deps, store: deps.transfer, mode: opts.mode, keyId: opts.keyId, dryRun: opts.dryRun, virtual: new Set() };
  /** Dry runs: the sections and sources of earlier batches, written again in each (rolled back) batch. */
  const replay: ImportRecordInput[] = [];
  const pending = deps.transfer.createPendingList();
  const totals: ImportTotalsDto = { created: 0, updated: 0, unchanged: 0, failed: 0, lines: 0, dryRun: opts.dryRun };
  const count = { lines: 0 };

  const emit = (results: ImportLineResultDto[]) => {
    for (const r of results) totals[r.status]++;
    if (results.length > 0) sink(results);
  };
  const linkResult = (keys: LineKeys, id: number, o: Exclude<LinkOutcome, { done: false }>) =>
    o.status === 'failed' ? resultOf(keys, 'failed', { problems: o.problems! }) : resultOf(keys, o.status, { id: opts.dryRun ? undefined : id });

  const keysOfPending = (p: PendingLinks): LineKeys => ({
    line: p.line,
    type: 'article',
    ...(p.externalId ? { externalId: p.externalId } : {}),
    ...(p.slug ? { slug: p.slug } : {}),
  });

  /**
   * A later line for the same article replaces its related links: the earlier line's waiting
   * links are dropped (they would overwrite the newer ones) and that line is reported as it stood.
   */
  function supersede(articleId: number, waiting: Map<number, Waiting>, results: ImportLineResultDto[]): void {
    const earlier = waiting.get(articleId);
    if (earlier) results.push(resultOf(earlier.keys, earlier.subject.status, { id: articleId }));
    waiting.delete(articleId);
    for (const p of pending.take(articleId)) results.push(resultOf(keysOfPending(p), p.status, { id: articleId }));
  }

  function applyLine(item: Extract<ParsedLine, { ok: true }>, results: ImportLineResultDto[], waiting: Map<number, Waiting>): void {
    const r = item.record;
    const applied: Applied = r.type === 'article' ? applyArticleFields(r, ctx) : applyRecord(r, ctx);
    const keys = applied.slug && !item.keys.slug ? { ...item.keys, slug: applied.slug } : item.keys;
    const id = opts.dryRun ? undefined : applied.id;
    if (r.type !== 'article') {
      if (opts.dryRun) replay.push(r);
      return void results.push(resultOf(keys, applied.status, { id }));
    }
    if (opts.dryRun) {
      if (r.externalId != null) ctx.virtual.add(`x:${r.externalId}`);
      ctx.virtual.add(`s:${applied.slug}`);
    }
    if (r.relatedLinks === undefined) return void results.push(resultOf(keys, applied.status, { id }));
    // A created article's id means nothing after a dry run's rollback: 0 matches no stored links.
    const subject = { id: opts.dryRun && applied.status === 'created' ? 0 : applied.id, status: applied.status, externalId: r.externalId, slug: applied.slug };
    const outcome = settleLinks(r.relatedLinks, subject, ctx, { final: false, sameBatch: true });
    // Past the last thing that can fail this line: what supersede drops is not rolled back.
    if (!opts.dryRun) supersede(applied.id, waiting, results);
    if (outcome.done) results.push(linkResult(keys, applied.id, outcome));
    else waiting.set(opts.dryRun ? -item.keys.line : applied.id, { keys, refs: r.relatedLinks, subject });
  }

  /** Runs `fn` in a savepoint; a line's problem becomes its failed result instead of stopping the batch. */
  function guarded(keys: LineKeys, results: ImportLineResultDto[], fn: () => void): void {
    try {
      savepoint(fn);
    } catch (error) {
      results.push(resultOf(keys, 'failed', { problems: problemsOf(error) }));
    }
  }

  function batchWork(batch: ParsedLine[], results: ImportLineResultDto[], later: Waiting[]) {
    for (const r of replay) {
      try {
        savepoint(() => applyRecord(r as Exclude<ImportRecordInput, { type: 'article' }>, ctx));
      } catch {
        // It was applied once already; a later line may have made it fail since: nothing to report twice.
      }
    }
    const waiting = new Map<number, Waiting>();
    for (const item of batch) {
      if (!item.ok) results.push(resultOf(item.keys, 'failed', { problems: item.problems }));
      else guarded(item.keys, results, () => applyLine(item, results, waiting));
    }
    for (const w of waiting.values()) {
      guarded(w.keys, results, () => {
        const outcome = settleLinks(w.refs, w.subject, ctx, { final: false, sameBatch: true });
        if (outcome.done) results.push(linkResult(w.keys, w.subject.id, outcome));
        else later.push(w);
      });
    }
    if (!opts.dryRun) later.forEach(addPending);
  }

  const addPending = (w: Waiting) =>
    pending.add({ articleId: w.subject.id, line: w.keys.line, status: w.subject.status, externalId: w.keys.externalId, slug: w.keys.slug, links: JSON.stringify(w.refs) });

  function runBatch(batch: ParsedLine[]): void {
    const results: ImportLineResultDto[] = [];
    const later: Waiting[] = [];
    if (!opts.dryRun) sqlite.transaction(() => batchWork(batch, results, later))();
    else {
      try {
        sqlite.transaction(() => {
          batchWork(batch, results, later);
          throw ROLLBACK;
        })();
      } catch (error) {
        if (error !== ROLLBACK) throw error;
      }
      later.forEach(addPending);
    }
    emit(results);
  }

  /** The end of the import: links still waiting resolve now, or their lines fail (the articles stay). */
  async function settlePending(): Promise<void> {
    for (let after = 0; ; ) {
      const page = pending.page(after, opts.batchSize);
      if (page.length === 0) return;
      const results: ImportLineResultDto[] = [];
      const work = () => {
        for (const p of page) {
          const keys = keysOfPending(p);
          const subject = { id: p.articleId, status: p.status, externalId: p.externalId, slug: p.slug ?? undefined };
          guarded(keys, results, () => {
            const outcome = settleLinks(JSON.parse(p.links) as LinkRefInput[], subject, ctx, { final: true, sameBatch: false });
            results.push(linkResult(keys, p.articleId, outcome as Exclude<LinkOutcome, { done: false }>));
          });
        }
      };
      if (opts.dryRun) work();
      else sqlite.transaction(work)();
      emit(results);
      after = page[page.length - 1]!.rowid;
      // Other requests get their turn between pages, as they do between batches while reading.
      await yieldToLoop();
    }
  }

  try {
    let batch: ParsedLine[] = [];
    for await (const raw of readLines(body, opts.limits, count)) {
      batch.push('text' in raw ? parseLine(raw.line, raw.text) : { ok: false, keys: { line: raw.line, type: null }, problems: [{ pointer: '', message: raw.problem }] });
      if (batch.length >= opts.batchSize) {
        runBatch(batch);
        batch = [];
      }
    }
    // An http request that lost its client may just end; its last, partial batch must not be written.
    if ((body as { complete?: boolean }).complete === false) throw aborted();
    if (batch.length > 0) runBatch(batch);
    await settlePending();
    return { ...totals, lines: count.lines };
  } finally {
    pending.drop();
  }
}
