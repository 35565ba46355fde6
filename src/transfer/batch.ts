import { AppError, type ErrorCode } from '../common/errors.js';
import type { Store, Tx } from '../store/port.js';
import { applyArticleFields, applyRecord, type ApplyContext, type Applied } from './apply.js';
import { settleLinks, type LinkOutcome, type LinkSubject } from './links.js';
import type { LineKeys, ParsedLine } from './parse.js';
import type { PreparedBatch } from './prepare.js';
import { problemsOf, resultOf } from './report.js';
import type { ImportLineResultDto, ImportRecordInput, LineProblemDto, LinkRefInput } from './schemas.js';
import type { PendingLinks } from '../store/port.js';
import type { PendingList } from './pending.js';

/** A line whose links wait for articles later in its batch (or, failing that, later in the file). */
type Waiting = { index: number; keys: LineKeys; refs: LinkRefInput[]; subject: LinkSubject };
type NonArticle = Exclude<ImportRecordInput, { type: 'article' }>;

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
 * Runs batches of parsed lines, each as one unit of work, each line in a savepoint of its own: a
 * line that fails is rolled back to its savepoint and reported, and the batch goes on. (The search
 * index's writes wait for the commit, so the savepoints cost it nothing: see the SQLite adapter's held search index.)
 * Dry runs roll every batch back, and carry forward what later batches need: the sections and
 * sources (written again) and the articles' keys.
 */
const KEY_TAKEN: ReadonlySet<ErrorCode> = new Set(['slug-taken', 'external-id-taken']);

export function createBatchRunner(store: Store, base: Omit<ApplyContext, 'tx'>, pending: PendingList) {
  const replay: NonArticle[] = [];
  const idOf = (id: number) => (base.dryRun ? undefined : id);

  /**
   * Runs one line's part in a savepoint; a failure is the line's result, the batch goes on. A line
   * that lost a key (externalId, slug) to another writer's commit (a second import or the API on
   * another node, while this one waited on the unique index) runs once more: it then finds that
   * article, and updates it or leaves it unchanged, as it would have had it come second.
   */
  async function attempt(ctx: ApplyContext, keys: LineKeys, results: ImportLineResultDto[], fn: (ctx: ApplyContext) => Promise<void>): Promise<void> {
    for (let run = 1; ; run++) {
      const reported = results.length;
      try {
        return await ctx.tx.savepoint((sp) => fn({ ...ctx, tx: sp }));
      } catch (error) {
        results.length = reported;
        if (run === 1 && error instanceof AppError && KEY_TAKEN.has(error.code)) continue;
        return void results.push(resultOf(keys, 'failed', { problems: problemsOf(error) }));
      }
    }
  }

  /** A later line for the same article replaces its links: the earlier line's waiting links are dropped, and it is reported as it stood. */
  async function supersede(ctx: ApplyContext, articleId: number, waiting: Map<number, Waiting>, results: ImportLineResultDto[]): Promise<void> {
    const earlier = waiting.get(articleId);
    if (earlier) results.push(resultOf(earlier.keys, earlier.subject.status, { id: articleId }));
    waiting.delete(articleId);
    for (const p of await pending.take(ctx.tx, articleId)) results.push(resultOf(keysOfPending(p), p.status, { id: articleId }));
  }

  async function applyLine(ctx: ApplyContext, index: number, item: Extract<ParsedLine, { ok: true }>, results: ImportLineResultDto[], waiting: Map<number, Waiting>): Promise<void> {
    const r = item.record;
    const applied: Applied = r.type === 'article' ? await applyArticleFields(r, ctx) : await applyRecord(r, ctx);
    const keys = applied.slug && !item.keys.slug ? { ...item.keys, slug: applied.slug } : item.keys;
    if (r.type !== 'article') {
      if (ctx.dryRun) replay.push(r);
      return void results.push(resultOf(keys, applied.status, { id: idOf(applied.id) }));
    }
    let outcome: LinkOutcome = { done: true, status: applied.status };
    // A created article's id means nothing after a dry run's rollback: 0 matches no stored links.
    const subject = { id: ctx.dryRun && applied.status === 'created' ? 0 : applied.id, status: applied.status, externalId: r.externalId, slug: applied.slug };
    if (r.relatedLinks !== undefined) outcome = await settleLinks(r.relatedLinks, subject, ctx, { final: false, sameBatch: true, justCreated: applied.status === 'created' });
    // Past the last thing that can fail this line.
    if (ctx.dryRun) {
      if (r.externalId != null) ctx.virtual.add(`x:${r.externalId}`);
      ctx.virtual.add(`s:${applied.slug}`);
    } else if (r.relatedLinks !== undefined) await supersede(ctx, applied.id, waiting, results);
    if (outcome.done) results.push(linkResult(keys, idOf(applied.id), outcome));
    else waiting.set(ctx.dryRun ? -index - 1 : applied.id, { index, keys, refs: r.relatedLinks!, subject });
  }

  async function work(ctx: ApplyContext, batch: ParsedLine[], results: ImportLineResultDto[], later: Waiting[]): Promise<void> {
    for (const r of replay) {
      try {
        await ctx.tx.savepoint((sp) => applyRecord(r, { ...ctx, tx: sp }));
      } catch {
        // Applied once already; if a later line made it fail since, that was reported then.
      }
    }
    const waiting = new Map<number, Waiting>();
    for (const [index, item] of batch.entries()) {
      if (!item.ok) results.push(resultOf(item.keys, 'failed', { problems: item.problems }));
      else await attempt(ctx, item.keys, results, (sp) => applyLine(sp, index, item, results, waiting));
    }
    for (const w of waiting.values()) {
      await attempt(ctx, w.keys, results, async (sp) => {
        const outcome = await settleLinks(w.refs, w.subject, sp, { final: false, sameBatch: true });
        if (outcome.done) results.push(linkResult(w.keys, idOf(w.subject.id), outcome));
        else later.push(w);
      });
    }
  }

  const addPending = (tx: Tx, w: Waiting) =>
    pending.add(tx, { articleId: w.subject.id, line: w.keys.line, status: w.subject.status, externalId: w.keys.externalId, slug: w.keys.slug, links: JSON.stringify(w.refs) });

  /** Applies one batch; returns its lines' results, once it is committed (or, on a dry run, rolled back). */
  return async function runBatch({ lines: batch, segments }: PreparedBatch): Promise<ImportLineResultDto[]> {
    const known = new Map(segments);
    const results: ImportLineResultDto[] = [];
    const later: Waiting[] = [];
    const replayed = replay.length;
    try {
      await store.write(async (tx) => {
        await work({ ...base, tx, segments: known }, batch, results, later);
        if (base.dryRun) throw ROLLBACK;
        for (const w of later) await addPending(tx, w);
      });
    } catch (error) {
      if (error !== ROLLBACK) {
        replay.length = replayed;
        throw error;
      }
      await store.write(async (tx) => {
        for (const w of later) await addPending(tx, w);
      });
    }
    return results;
  };
}
