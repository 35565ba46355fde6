import type { SectionService } from '../sections/service.js';
import type { SourceService } from '../sources/service.js';
import { badRequest } from './errors.js';

export type RefStores = { sections: Pick<SectionService, 'resolve' | 'descendantIds'>; sources: Pick<SourceService, 'resolve'> };

const unknown = (pointer: string, what: string) =>
  badRequest(`Unknown ${what}`, [{ in: 'query', pointer, message: `No ${what} has this id or slug` }]);

/**
 * The `section` and `source` query filters (id or slug) as ids: a section stands for itself and
 * all its subsections. An unknown one is a 400 naming the parameter.
 */
export async function resolveFilterRefs(stores: RefStores, q: { section?: string; source?: string }) {
  let sectionIds: number[] | undefined;
  let sourceId: number | undefined;
  if (q.section !== undefined) {
    const section = await stores.sections.resolve(q.section);
    if (!section) throw unknown('/section', 'section');
    sectionIds = await stores.sections.descendantIds(section.id);
  }
  if (q.source !== undefined) {
    const source = await stores.sources.resolve(q.source);
    if (!source) throw unknown('/source', 'source');
    sourceId = source.id;
  }
  return { sectionIds, sourceId };
}

/** The `tag` filter (lists and search): comma-separated, trimmed, NFC, distinct; 1–20 tags or a 400. */
export function tagsOf(raw: string): string[] {
  const tags = [...new Set(raw.split(',').map((t) => t.trim().normalize('NFC')).filter(Boolean))];
  if (tags.length === 0 || tags.length > 20) throw badRequest('Give 1–20 tags', [{ in: 'query', pointer: '/tag', message: 'Give 1–20 comma-separated tags' }]);
  return tags;
}
