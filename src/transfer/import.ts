import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ArticleService } from '../articles/service.js';
import { AppError } from '../common/errors.js';
import type { Clock } from '../common/time.js';
import type { SectionService } from '../sections/service.js';
import type { SourceService } from '../sources/service.js';
import type { Store } from '../store/port.js';
import type { RelatedLinkService } from '../related-links/service.js';
import type { ApplyContext } from './apply.js';
import { createBatchRunner, keysOfPending, linkResult } from './batch.js';
import { readLines, type LineLimits, type RawLine } from './lines.js';
import { settleLinks, type LinkOutcome } from './links.js';
import { createPreparer } from './pool.js';
import { createWriteQueue } from './pipeline.js';
import { problemsOf, resultOf } from './report.js';
import type { ImportLineResultDto, ImportMode, ImportTotalsDto, LinkRefInput } from './schemas.js';
import { createPendingList, type PendingList } from './pending.js';

/** The services an import writes through, wired as the server's (src/stores.ts). */
export type ImportDeps = { store: Store; clock: Clock; sections: SectionService; sources: SourceService; articles: ArticleService; links: Pick<RelatedLinkService, 'replaceAll'> };
/**
 * `threads`: worker threads that parse and prepare batches while this one writes (pool.ts). None
 * by default: on two cores one thread takes about a fifth off this thread's time per new article,
 * but the process needs 1.5–2× the memory, more CPU in all, and a re-run of unchanged lines costs
 * three times the CPU (docs/import-export.md, Performance).
 */
export type ImportOptions = {
  mode: ImportMode;
  batchSize: number;
  dryRun: boolean;
  keyId: number | null;
  limits: LineLimits;
  threads?: number;
  /** Aborted when the server shuts down: no new line is read, the lines in hand are committed, the totals say `interrupted`. */
  stop?: AbortSignal;
};
/** Receives the results of each committed batch (and of the links settled at the end), in that order. */
export type ResultSink = (results: ImportLineResultDto[]) => void;

const aborted = () => new AppError('body-incomplete', 'The body ended before it was complete (the client went away)');

/**
 * The end of the import: links still waiting resolve now, or their lines fail (the articles
 * stay, with the links that did resolve). A page of them per transaction, each in a savepoint
 * (these writes touch no full-text index, so savepoints cost little here).
 */
async function settlePending(store: Store, ctx: Omit<ApplyContext, 'tx'>, pending: PendingList, pageSize: number, emit: ResultSink): Promise<void> {
  for (let after = 0; ; ) {
    const results: ImportLineResultDto[] = [];
    const page = await store.write(async (tx) => {
      const page = await pending.page(tx, after, pageSize);
      for (const p of page) {
        const keys = keysOfPending(p);
        const subject = { id: p.articleId, status: p.status, externalId: p.externalId, slug: p.slug ?? undefined };
        try {
          const outcome = await tx.savepoint((sp) => settleLinks(JSON.parse(p.links) as LinkRefInput[], subject, { ...ctx, tx: sp }, { final: true, sameBatch: false }));
          results.push(linkResult(keys, ctx.dryRun ? undefined : p.articleId, outcome as Exclude<LinkOutcome, { done: false }>));
        } catch (error) {
          results.push(resultOf(keys, 'failed', { problems: problemsOf(error) }));
        }
      }
      return page;
    });
    if (page.length === 0) return;
    emit(results);
    after = page[page.length - 1]!.position;
    // Other requests get their turn between pages, as they do between batches while the body is read.
    await yieldToLoop();
  }
}

/** A request stream that breaks because its client went away is the client's doing: a 400, not a logged 500. */
async function* withAbortAsProblem<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (!(error instanceof AppError) && (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as Error)?.message === 'aborted')) throw aborted();
    throw error;
  }
}

const STOPPED = Symbol('stopped');

/**
 * The lines in batches of `size`; only the last may be shorter. Once `stop` is aborted, the lines
 * in hand are the last batch, even while the next line is still being waited for (a slow client).
 */
async function* batchesOf(lines: AsyncIterable<RawLine>, size: number, stop: AbortSignal | undefined, taken: { line: number }): AsyncGenerator<RawLine[]> {
  let raws: RawLine[] = [];
  const it = lines[Symbol.asyncIterator]();
  const stopped = new Promise<typeof STOPPED>((resolve) => {
    if (stop?.aborted) resolve(STOPPED);
    stop?.addEventListener('abort', () => resolve(STOPPED), { once: true });
  });
  for (;;) {
    const pending = it.next();
    // Left waiting when the stop wins: whatever it ends with later (the client gone) is nobody's concern.
    pending.catch(() => {});
    const next = await Promise.race([pending, stopped]);
    if (next === STOPPED || next.done) break;
    raws.push(next.value);
    taken.line = next.value.line;
    if (raws.length >= size) {
      yield raws;
      raws = [];
    }
  }
  if (raws.length > 0) yield raws;
}

/**
 * Imports an NDJSON stream: lines are read one at a time and applied in batches of `batchSize`
 * lines, one unit of work each with a savepoint per line (see batch.ts), so a bad line is
 * reported without stopping the others, and a body that breaks off leaves only whole batches. Related links to articles later in the
 * file are settled at the end of their batch, or at the end of the import.
 *
 * Parsing, sanitising and segmenting need no database: with `threads`, worker threads prepare the
 * next batches while this thread writes one (pool.ts, pipeline.ts), a batch ahead per thread, and
 * the writes keep their order.
 */
export async function runImport(deps: ImportDeps, body: AsyncIterable<Buffer | string>, opts: ImportOptions, sink: ResultSink): Promise<ImportTotalsDto> {
  const { store, ...services } = deps;
  const ctx: Omit<ApplyContext, 'tx'> = { ...services, mode: opts.mode, keyId: opts.keyId, dryRun: opts.dryRun, virtual: new Set() };
  const pending = await createPendingList(store);
  const runBatch = createBatchRunner(store, ctx, pending);
  const totals: ImportTotalsDto = { created: 0, updated: 0, unchanged: 0, failed: 0, lines: 0, dryRun: opts.dryRun };
  const count = { lines: 0 };
  // The last line put in a batch: after a stop, a line already read may be left with the abandoned read.
  const taken = { line: 0 };
  const emit = (results: ImportLineResultDto[]) => {
    for (const r of results) totals[r.status]++;
    if (results.length > 0) sink(results);
  };

  const threads = opts.threads ?? 0;
  const preparer = createPreparer(threads);
  // A batch waiting per thread keeps the threads busy while this one writes.
  const writes = createWriteQueue(async (batch) => emit(await runBatch(batch)), threads);
  const stopped = () => opts.stop?.aborted === true;
  // A body left unread because of a stop is not a client gone away.
  const incomplete = () => !stopped() && (body as { complete?: boolean }).complete === false;

  try {
    const reader = batchesOf(withAbortAsProblem(readLines(body, opts.limits, count)), opts.batchSize, opts.stop, taken);
    for (;;) {
      // The batches read before the body broke off (or grew too large) are written, as they would have been before.
      const next = await reader.next().catch(async (error: unknown) => {
        await writes.drain();
        throw error;
      });
      if (next.done) break;
      // An http request that lost its client may just end; its last, partial batch must not be written.
      if (next.value.length < opts.batchSize && incomplete()) break;
      await writes.add(preparer.prepare(next.value));
    }
    await writes.drain();
    if (incomplete()) throw aborted();
    ctx.interrupted = stopped();
    await settlePending(store, ctx, pending, opts.batchSize, emit);
    return stopped() ? { ...totals, lines: taken.line, interrupted: true } : { ...totals, lines: count.lines };
  } finally {
    await pending.drop();
    await preparer.close();
  }
}
