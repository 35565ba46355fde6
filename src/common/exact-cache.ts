import type { Db } from '../store/sqlite/connection.js';
import type { Viewer } from '../articles/visibility.js';
import type { ContentGeneration } from './generation.js';

/** The time span in which readers see the same articles: no published article's publishedAt falls inside it. */
type Window = { generation: number; from: number; until: number };
type Entry<T> = { value: T; from: number; until: number };

const ALWAYS = { from: -Infinity, until: Infinity };

/**
 * An exact cache of answers (search, article lists). An answer is kept with the generation it was computed at
 * (see generation.ts: any write that can change a result moves it) and, for readers, with the
 * span of time in which no published article becomes due: a scheduled article appears by time
 * alone, with no write. A lookup outside either is a miss, so a stale answer is never served.
 * Least recently used answers go first; a new generation empties the cache at once.
 */
export function createExactCache<T>(db: Db, generation: ContentGeneration, size: number) {
  const entries = new Map<string, Entry<T>>();
  let generationSeen = -1;
  let window: Window = { generation: -1, from: 0, until: 0 };
  // Both walk articles_status_published_idx; trashed articles are counted too, which only shortens the span.
  const lastDue = db.$client
    .prepare(`SELECT published_at FROM articles WHERE status = 'published' AND published_at <= ? ORDER BY published_at DESC LIMIT 1`)
    .pluck();
  const nextDue = db.$client
    .prepare(`SELECT published_at FROM articles WHERE status = 'published' AND published_at > ? ORDER BY published_at LIMIT 1`)
    .pluck();

  /** The readers' span around `now`, computed once per generation and span. */
  function windowAt(current: number, now: number): Window {
    if (window.generation !== current || now < window.from || now >= window.until) {
      const from = lastDue.get(now) as number | undefined;
      const until = nextDue.get(now) as number | undefined;
      window = { generation: current, from: from ?? -Infinity, until: until ?? Infinity };
    }
    return window;
  }

  /** The entry for key as of now (a hit only while generation and time span are the same), and where to keep a new one. */
  function lookup(key: string, viewer: Viewer) {
    const current = generation.current();
    if (current !== generationSeen) {
      entries.clear();
      generationSeen = current;
    }
    const span = viewer.editor ? ALWAYS : windowAt(current, viewer.now);
    const found = entries.get(key);
    if (found && found.from === span.from && found.until === span.until) {
      entries.delete(key);
      entries.set(key, found);
      return { hit: found.value, current, span };
    }
    return { current, span };
  }

  function keep(key: string, value: T, span: { from: number; until: number }) {
    entries.delete(key);
    entries.set(key, { value, from: span.from, until: span.until });
    if (entries.size > size) entries.delete(entries.keys().next().value!);
  }

  /** The answer for key and viewer: from the cache when it is still exact, else computed (synchronously) and kept. */
  function through(key: string, viewer: Viewer, compute: () => T): T {
    // Read in the same synchronous step as the computation, so the answer belongs to this generation.
    const { hit, span } = lookup(key, viewer);
    if (hit !== undefined) return hit;
    const value = compute();
    keep(key, value, span);
    return value;
  }

  /**
   * As through, for a computation that awaits: the generation is read before it starts, and the
   * answer is kept only if no write moved it meanwhile (and `worthKeeping` agrees).
   */
  async function throughAsync(key: string, viewer: Viewer, compute: () => Promise<T>, worthKeeping: (value: T) => boolean = () => true): Promise<T> {
    const { hit, current, span } = lookup(key, viewer);
    if (hit !== undefined) return hit;
    const value = await compute();
    if (generation.current() === current && worthKeeping(value)) keep(key, value, span);
    return value;
  }

  return { through, throughAsync };
}

export type ExactCache<T> = ReturnType<typeof createExactCache<T>>;

/**
 * Everything an answer depends on besides the data and the time: the request's parameters as the
 * route parsed them (a next-page cursor fingerprints even a section as typed, so `section=3` and
 * `section=zhengqing` are different answers) and what the viewer may see.
 */
export function answerKey(params: object, viewer: Viewer): string {
  const entries = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([entries, viewer.editor, viewer.editor ? null : viewer.sectionIds, viewer.editor ? null : viewer.sourceIds]);
}
