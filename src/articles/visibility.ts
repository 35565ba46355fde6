import type { Clock } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';
import { isEditor, type Principal } from '../http/principal.js';

/**
 * What one caller may see. Readers (anonymous or read keys) see published, due, not-deleted
 * articles — a scheduled article becomes visible by itself once `now` passes its publishedAt,
 * with no job running — and partner keys only their sections and sources.
 */
export type Viewer = {
  editor: boolean;
  now: number;
  keyId: number | null;
  sectionIds: number[] | null;
  sourceIds: number[] | null;
};

type VisibleFields = { status: string; publishedAt: number | null; deletedAt: number | null; sectionId: number; sourceId: number | null };

export function canSee(viewer: Viewer, a: VisibleFields): boolean {
  if (viewer.editor) return true;
  if (a.status !== 'published' || a.deletedAt !== null || a.publishedAt === null || a.publishedAt > viewer.now) return false;
  if (viewer.sectionIds && !viewer.sectionIds.includes(a.sectionId)) return false;
  if (viewer.sourceIds && (a.sourceId === null || !viewer.sourceIds.includes(a.sourceId))) return false;
  return true;
}

/** Builds the viewer for a caller: editors see everything, partner keys their sections (with subsections) and sources. */
export function createViewerFactory(db: Db, clock: Clock) {
  const ids = (table: 'sections' | 'sources', slugs: string[]): number[] => {
    if (slugs.length === 0) return [];
    const marks = slugs.map(() => '?').join(',');
    const query =
      table === 'sections'
        ? `WITH RECURSIVE t(id) AS (SELECT id FROM sections WHERE slug IN (${marks}) UNION SELECT s.id FROM sections s JOIN t ON s.parent_id = t.id) SELECT id FROM t`
        : `SELECT id FROM sources WHERE slug IN (${marks})`;
    return (db.$client.prepare(query).all(...slugs) as { id: number }[]).map((r) => r.id);
  };
  return (p: Principal): Viewer => ({
    editor: isEditor(p),
    now: clock(),
    keyId: p.keyId,
    sectionIds: p.sections && !isEditor(p) ? ids('sections', p.sections) : null,
    sourceIds: p.sources && !isEditor(p) ? ids('sources', p.sources) : null,
  });
}
