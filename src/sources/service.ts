import { conflict, notFound } from '../common/errors.js';
import { keysetPage } from '../common/pagination.js';
import { changesNothing } from '../common/patch.js';
import { slugify, withFreshSlug } from '../common/slug.js';
import { toIso, type Clock } from '../common/time.js';
import { writeAtVersion, type ExpectedVersion } from '../common/versioned.js';
import { inUnit, type SourceKind, type SourceRow, type Store, type Tx } from '../store/port.js';
import type { WriteEffects } from '../write-effects.js';
import type { SourceCreateInput, SourceDto, SourceUpdateInput } from './schemas.js';

export const toSource = (r: SourceRow): SourceDto => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  url: r.url,
  kind: r.kind,
  version: r.version,
  createdAt: toIso(r.createdAt),
  updatedAt: toIso(r.updatedAt),
});

/** Sources (天津日报, 新华社 …): the rules, written against the storage port. */
export function createSourceService(store: Store, clock: Clock, effects: Pick<WriteEffects, 'source'>) {
  async function mustGet(repo: Store['sources'], id: number): Promise<SourceRow> {
    const row = await repo.byId(id);
    if (!row) throw notFound(`Source ${id}`);
    return row;
  }

  return {
    /** The source with this id, or with this slug when `ref` is not a number (a slug may be all digits too). */
    async resolve(ref: string): Promise<SourceDto | undefined> {
      const row = (/^\d+$/.test(ref) ? await store.sources.byId(Number(ref)) : undefined) ?? (await store.sources.bySlug(ref));
      return row && toSource(row);
    },

    get: async (id: number): Promise<SourceDto> => toSource(await mustGet(store.sources, id)),

    async getBySlug(slug: string): Promise<SourceDto> {
      const row = await store.sources.bySlug(slug);
      if (!row) throw notFound(`Source "${slug}"`);
      return toSource(row);
    },

    async list(opts: { limit: number; cursor?: string; kind?: SourceKind }): Promise<{ data: SourceDto[]; nextCursor: string | null }> {
      const { rows, nextCursor } = await keysetPage('name', { kind: opts.kind ?? null }, opts, (r: SourceRow) => r.name, (after, limit) =>
        store.sources.page({ kind: opts.kind }, after, limit),
      );
      return { data: rows.map(toSource), nextCursor };
    },

    /** Creates a source; inside `tx` when given (an import's batch), else in a unit of its own. */
    create: (input: SourceCreateInput, tx?: Tx): Promise<SourceDto> =>
      inUnit(store, tx, async (tx) => {
        const values = { name: input.name, url: input.url ?? null, kind: input.kind ?? 'newspaper', createdAt: clock() };
        const row = await withFreshSlug(
          tx,
          input.slug,
          slugify(input.name) || 'source',
          (sp, slug) => sp.sources.insert({ ...values, slug }),
          async (slug) => (await tx.sources.bySlug(slug)) !== undefined,
        );
        await effects.source(tx, 'create', row, null);
        return toSource(row);
      }),

    update: (id: number, input: SourceUpdateInput, expected?: ExpectedVersion, tx?: Tx): Promise<SourceDto> =>
      inUnit(store, tx, async (tx) => {
        const { row, previous } = await writeAtVersion(
          () => mustGet(tx.sources, id),
          expected,
          async (current) => (changesNothing(current, input) ? current : tx.sources.update(id, current.version, { ...input, updatedAt: clock() })),
        );
        if (row !== previous) await effects.source(tx, 'update', row, previous);
        return toSource(row);
      }),

    remove: (id: number, expected?: ExpectedVersion): Promise<void> =>
      store.write(async (tx) => {
        const { previous } = await writeAtVersion(
          () => mustGet(tx.sources, id),
          expected,
          async (current) => {
            if (await tx.sources.inUse(id)) throw conflict('source-in-use', 'Articles (trashed ones included) still name this source: change them first');
            return (await tx.sources.delete(id, current.version)) ? current : undefined;
          },
        );
        await effects.source(tx, 'delete', previous, previous);
      }),
  };
}

export type SourceService = ReturnType<typeof createSourceService>;
