import type { Clock } from '../common/time.js';
import { isEditor, type Principal } from '../http/principal.js';
import type { Repositories, Visibility } from '../store/port.js';

/**
 * What one caller may see. Readers (anonymous or read keys) see published, due, not-deleted
 * articles — a scheduled article becomes visible by itself once `now` passes its publishedAt,
 * with no job running — and partner keys only their sections and sources.
 */
export type Viewer = Visibility & { keyId: number | null };

type VisibleFields = { status: string; publishedAt: number | null; deletedAt: number | null; sectionId: number; sourceId: number | null };

export function canSee(viewer: Viewer, a: VisibleFields): boolean {
  if (viewer.editor) return true;
  if (a.status !== 'published' || a.deletedAt !== null || a.publishedAt === null || a.publishedAt > viewer.now) return false;
  if (viewer.sectionIds && !viewer.sectionIds.includes(a.sectionId)) return false;
  if (viewer.sourceIds && (a.sourceId === null || !viewer.sourceIds.includes(a.sourceId))) return false;
  return true;
}

/**
 * Builds the viewer for a caller: editors see everything, partner keys their sections (with
 * subsections, resolved on every request so that a new subsection is in reach at once) and sources.
 */
export function createViewerFactory(repos: Pick<Repositories, 'sections' | 'sources'>, clock: Clock) {
  return async (p: Principal): Promise<Viewer> => {
    const partner = !isEditor(p);
    const [sectionIds, sourceIds] = await Promise.all([
      p.sections && partner ? repos.sections.subtreeIds(p.sections) : null,
      p.sources && partner ? repos.sources.idsOf(p.sources) : null,
    ]);
    return { editor: isEditor(p), now: clock(), keyId: p.keyId, sectionIds, sourceIds };
  };
}
