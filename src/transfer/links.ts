import type { LinkTarget } from '../store/port.js';
import { lineProblem, type ApplyContext, type Settled } from './apply.js';
import type { LinkRefInput, LineProblemDto } from './schemas.js';

/**
 * The related links of a line, resolved: each reference by externalId or slug becomes the id of
 * its target. `missing` lists the references not (yet) there; `unknownIds` is set on dry runs
 * when a target exists only in an earlier, rolled-back batch (it would be there for real).
 */
type Plan = { targets: LinkTarget[]; missing: { index: number; pointer: string; key: string }[]; unknownIds: boolean };

async function plan(refs: LinkRefInput[], self: { id: number; externalId?: string | null; slug?: string }, ctx: ApplyContext): Promise<Plan> {
  const out: Plan = { targets: [], missing: [], unknownIds: false };
  // Every target in one read (not one per reference): by `x:<externalId>` and `s:<slug>`.
  const wanted = refs.filter((ref) => ref.url === undefined);
  const found = new Map<string, number>();
  for (const a of await ctx.tx.articles.keysOf([...new Set(wanted.flatMap((r) => (r.externalId !== undefined ? [r.externalId] : [])))], [...new Set(wanted.flatMap((r) => (r.externalId === undefined ? [r.slug!] : [])))])) {
    if (a.externalId !== null) found.set(`x:${a.externalId}`, a.id);
    found.set(`s:${a.slug}`, a.id);
  }
  for (const [index, ref] of refs.entries()) {
    if (ref.url !== undefined) {
      out.targets.push({ targetArticleId: null, url: ref.url, title: ref.title! });
      continue;
    }
    const byExternalId = ref.externalId !== undefined;
    const key = byExternalId ? ref.externalId! : ref.slug!;
    const pointer = `/relatedLinks/${index}/${byExternalId ? 'externalId' : 'slug'}`;
    if ((byExternalId && key === self.externalId) || (!byExternalId && key === self.slug)) throw lineProblem(pointer, 'An article cannot link to itself');
    const target = found.get(`${byExternalId ? 'x' : 's'}:${key}`);
    if (target === self.id) throw lineProblem(pointer, 'An article cannot link to itself');
    if (target !== undefined) out.targets.push({ targetArticleId: target, url: null, title: null });
    else if (ctx.dryRun && ctx.virtual.has(`${byExternalId ? 'x' : 's'}:${key}`)) out.unknownIds = true;
    else out.missing.push({ index, pointer, key: byExternalId ? 'externalId' : 'slug' });
  }
  return out;
}

/** Writes the planned links when they differ from the stored ones; whether they did (or, on dry runs, would). */
async function write(articleId: number, p: Plan, ctx: ApplyContext, justCreated: boolean): Promise<boolean> {
  if (p.unknownIds) return true;
  return ctx.links.replaceAll(ctx.tx, articleId, p.targets, { dryRun: ctx.dryRun, justCreated });
}

export type LinkSubject = { id: number; status: Settled; externalId?: string | null; slug?: string };
export type LinkOutcome = { done: true; status: Settled | 'failed'; problems?: LineProblemDto[] } | { done: false };

/**
 * Settles a line's related links. Before the end of the import a line with missing targets is
 * left pending (they may come later in the file). At the end (`final`), the links that resolve are
 * written and the line fails, naming the missing ones; the article itself stays. A change to the
 * links is a change to the article: its version moves, unless this same (uncommitted) batch
 * already moved it (`sameBatch`). `justCreated`: the line's own article, inserted by the line a
 * moment ago, which has no links yet.
 */
export async function settleLinks(refs: LinkRefInput[], subject: LinkSubject, ctx: ApplyContext, opts: { final: boolean; sameBatch: boolean; justCreated?: boolean }): Promise<LinkOutcome> {
  const p = await plan(refs, subject, ctx);
  if (p.missing.length > 0 && !opts.final) return { done: false };
  const changed = await write(subject.id, p, ctx, opts.justCreated === true);
  if (changed && !ctx.dryRun && (subject.status === 'unchanged' || !opts.sameBatch)) await ctx.articles.touch(ctx.tx, subject.id);
  const status = changed && subject.status === 'unchanged' ? 'updated' : subject.status;
  if (p.missing.length === 0) return { done: true, status };
  const where = ctx.interrupted ? 'in the database or in the lines read before the import was interrupted (re-run the file)' : 'in the database or anywhere in the file';
  const problems = p.missing.map((m) => ({ pointer: m.pointer, message: `No article has this ${m.key}, ${where}` }));
  return { done: true, status: 'failed', problems };
}
