import type { Viewer } from '../articles/visibility.js';
import type { ArticleRepo, Store } from '../store/port.js';

/** What an exact cache asks the store: the content generation, and the readers' span of time around now. */
export type CacheSource = Pick<Store, 'contentGeneration'> & { articles: Pick<ArticleRepo, 'publicationSpan'> };

/** The time span in which readers see the same articles: no published article's publishedAt falls inside it. */
type Window = { generation: number; from: number; until: number };
type Entry<T> = { value: T; from: number; until: number };

const ALWAYS = { from: -Infinity, until: Infinity };

/**
 * An exact cache of answers (search, article lists). An answer is kept with the content generation
 * it was computed at (Store.contentGeneration: any committed write that can change a result moves
 * it) and, for readers, with the span of time in which no published article becomes due: a
 * scheduled article appears by time alone, with no write. A lookup outside either is a miss, so a
 * stale answer is never served. Least recently used answers go first; a new generation empties
 * the cache at once.
 */
export function createExactCache<T>(source: CacheSource, size: number) {
  const entries = new Map<string, Entry<T>>();
  let generationSeen = -1;
  let window: Window = { generation: -1, from: 0, until: 0 };

  /** The readers' span around `now`, read once per generation and span. */
  async function windowAt(current: number, now: number): Promise<Window> {
    if (window.generation !== current || now < window.from || now >= window.until) {
      const span = await source.articles.publicationSpan(now);
      window = { generation: current, ...span };
    }
    return window;
  }

  /** The entry for key as of now (a hit only while generation and time span are the same), and where to keep a new one. */
  async function lookup(key: string, viewer: Viewer) {
    const current = await source.contentGeneration();
    if (current !== generationSeen) {
      entries.clear();
      generationSeen = current;
    }
    const span = viewer.editor ? ALWAYS : await windowAt(current, viewer.now);
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

  /**
   * The answer for key and viewer: from the cache when it is still exact, else computed and kept.
   * The generation is read before the computation starts, and the answer is kept only if no write
   * moved it meanwhile (and `worthKeeping` agrees): an answer computed while a write committed
   * may hold either state, so it is not kept under either generation.
   */
  async function through(key: string, viewer: Viewer, compute: () => T | Promise<T>, worthKeeping: (value: T) => boolean = () => true): Promise<T> {
    const { hit, current, span } = await lookup(key, viewer);
    if (hit !== undefined) return hit;
    const value = await compute();
    if ((await source.contentGeneration()) === current && worthKeeping(value)) keep(key, value, span);
    return value;
  }

  return { through };
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
