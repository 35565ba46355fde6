import { badRequest, conflict, notFound, unknownReference } from '../common/errors.js';
import { keysetPage } from '../common/pagination.js';
import { changesNothing } from '../common/patch.js';
import { slugify, withFreshSlug } from '../common/slug.js';
import { toIso, type Clock } from '../common/time.js';
import { writeAtVersion, type ExpectedVersion } from '../common/versioned.js';
import { inUnit, type SectionRow, type Store, type Tx } from '../store/port.js';
import type { WriteEffects } from '../write-effects.js';
import type { SectionCreateInput, SectionDto, SectionTreeNode, SectionUpdateInput } from './schemas.js';

export const toSection = (r: SectionRow): SectionDto => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  description: r.description,
  parentId: r.parentId,
  position: r.position,
  version: r.version,
  createdAt: toIso(r.createdAt),
  updatedAt: toIso(r.updatedAt),
});

export type SectionListOptions = { limit: number; cursor?: string; parent?: string };

/** An all-digit ref is an id first; a slug may be all digits too (2023), so fall back to it. */
const byRef = async (repo: Store['sections'], ref: string) => (/^\d+$/.test(ref) ? await repo.byId(Number(ref)) : undefined) ?? (await repo.bySlug(ref));

/** Sections: the rules of the navigation tree, written against the storage port. */
export function createSectionService(store: Store, clock: Clock, effects: Pick<WriteEffects, 'section'>) {
  async function mustGet(repo: Store['sections'], id: number): Promise<SectionRow> {
    const row = await repo.byId(id);
    if (!row) throw notFound(`Section ${id}`);
    return row;
  }

  /** The parent exists, and (for a move) is not the section itself or one of its subsections. */
  async function checkParent(tx: Tx, id: number | null, parentId: number | null | undefined): Promise<void> {
    if (parentId === null || parentId === undefined) return;
    if (!(await tx.sections.byId(parentId))) throw unknownReference(`Section ${parentId} does not exist`, '/parentId', 'No section has this id');
    if (id === null) return;
    for (let at: number | null = parentId; at !== null; at = (await tx.sections.byId(at))?.parentId ?? null) {
      if (at === id) throw conflict('section-cycle', 'A section cannot be placed under itself or its own subsection', '/parentId');
    }
  }

  return {
    /** The section with this id, or with this slug when `ref` is not a number. */
    async resolve(ref: string): Promise<SectionDto | undefined> {
      const row = await byRef(store.sections, ref);
      return row && toSection(row);
    },

    get: async (id: number): Promise<SectionDto> => toSection(await mustGet(store.sections, id)),

    async getBySlug(slug: string): Promise<SectionDto> {
      const row = await store.sections.bySlug(slug);
      if (!row) throw notFound(`Section "${slug}"`);
      return toSection(row);
    },

    async list(opts: SectionListOptions): Promise<{ data: SectionDto[]; nextCursor: string | null }> {
      let parentId: number | null | undefined;
      if (opts.parent === 'root') parentId = null;
      else if (opts.parent !== undefined) {
        const parent = await byRef(store.sections, opts.parent);
        if (!parent) throw badRequest('Unknown parent section', [{ in: 'query', pointer: '/parent', message: 'No section has this id or slug' }]);
        parentId = parent.id;
      }
      const { rows, nextCursor } = await keysetPage('position', { parent: opts.parent ?? null }, opts, (r: SectionRow) => r.position, (after, limit) =>
        store.sections.page({ parentId }, after, limit),
      );
      return { data: rows.map(toSection), nextCursor };
    },

    async tree(): Promise<SectionTreeNode[]> {
      const rows = await store.sections.all();
      const nodes = new Map<number, SectionTreeNode>(rows.map((r) => [r.id, { ...toSection(r), children: [] }]));
      const roots: SectionTreeNode[] = [];
      for (const r of rows) {
        const parent = r.parentId === null ? undefined : nodes.get(r.parentId);
        (parent ? parent.children : roots).push(nodes.get(r.id)!);
      }
      return roots;
    },

    /** The ids of a section and all its subsections (for "section includes its subsections" filters). */
    descendantIds: (id: number): Promise<number[]> => store.sections.descendantIds(id),

    /** Creates a section; inside `tx` when given (an import's batch), else in a unit of its own. */
    create: (input: SectionCreateInput, tx?: Tx): Promise<SectionDto> =>
      inUnit(store, tx, async (tx) => {
        await checkParent(tx, null, input.parentId);
        const values = { name: input.name, description: input.description ?? null, parentId: input.parentId ?? null, position: input.position ?? 0, createdAt: clock() };
        const row = await withFreshSlug(
          tx,
          input.slug,
          slugify(input.name) || 'section',
          (sp, slug) => sp.sections.insert({ ...values, slug }),
          async (slug) => (await tx.sections.bySlug(slug)) !== undefined,
        );
        await effects.section(tx, 'create', row, null);
        return toSection(row);
      }),

    update: (id: number, input: SectionUpdateInput, expected?: ExpectedVersion, tx?: Tx): Promise<SectionDto> =>
      inUnit(store, tx, async (tx) => {
        const { row, previous } = await writeAtVersion(
          () => mustGet(tx.sections, id),
          expected,
          async (current) => {
            if (changesNothing(current, input)) return current;
            await checkParent(tx, id, input.parentId);
            return tx.sections.update(id, current.version, { ...input, updatedAt: clock() });
          },
        );
        if (row !== previous) await effects.section(tx, 'update', row, previous);
        return toSection(row);
      }),

    remove: (id: number, expected?: ExpectedVersion): Promise<void> =>
      store.write(async (tx) => {
        const { previous } = await writeAtVersion(
          () => mustGet(tx.sections, id),
          expected,
          async (current) => {
            if (await tx.sections.hasChildren(id)) throw conflict('section-has-children', 'The section still has subsections: move or delete them first');
            if (await tx.sections.inUse(id)) throw conflict('section-in-use', 'Articles are still filed under this section (trashed ones included): move them first');
            return (await tx.sections.delete(id, current.version)) ? current : undefined;
          },
        );
        await effects.section(tx, 'delete', previous, previous);
      }),
  };
}

export type SectionService = ReturnType<typeof createSectionService>;
