/**
 * Serialised answers of `GET /v1/articles/{id}` (the plain article, no include or fields), kept
 * as JSON strings (on V8's heap, so its growth limit covers them: evicted Buffers would wait for a
 * full collection outside it). Exact by construction: the key holds the article's version, which every change bumps
 * (links included), and the route reads the version and checks visibility before every lookup,
 * so an answer is never served to someone who may no longer see it nor after the article changed.
 * What it saves is reading a body of several kilobytes out of SQLite into a string (for CJK text
 * the costliest step of the read) and serialising it.
 *
 * Least recently used answers go first once the memory held (2 bytes per UTF-16 unit) passes the
 * limit; 0 turns it off.
 */
export type AnswerCache = ReturnType<typeof createAnswerCache>;

/** One answer larger than this share of the cache is not kept: it would push out many others. */
const LARGEST_SHARE = 8;

const sizeOf = (answer: string) => answer.length * 2;

export function createAnswerCache(maxBytes: number) {
  const entries = new Map<string, string>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;

  return {
    /** Editors see who wrote what (createdBy, updatedBy); everyone else sees the same bytes. */
    key: (id: number, version: number, editor: boolean) => `${id}:${version}:${editor ? 'e' : 'r'}`,

    get(key: string): string | undefined {
      const hit = entries.get(key);
      if (!hit) {
        misses++;
        return undefined;
      }
      hits++;
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      entries.delete(key);
      entries.set(key, hit);
      return hit;
    },

    set(key: string, answer: string): void {
      const size = sizeOf(answer);
      if (maxBytes === 0 || size > maxBytes / LARGEST_SHARE || entries.has(key)) return;
      entries.set(key, answer);
      bytes += size;
      for (const [oldest, value] of entries) {
        if (bytes <= maxBytes) break;
        entries.delete(oldest);
        bytes -= sizeOf(value);
      }
    },

    stats: () => ({ entries: entries.size, bytes, hits, misses }),
  };
}
