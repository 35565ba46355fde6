import type { Tx } from '../store/port.js';
import { isSlugTaken } from '../store/unique.js';
import { pinyin } from 'pinyin-pro';

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SLUG_MAX = 96;

/**
 * An ASCII slug from any title: Chinese characters become toneless pinyin syllables
 * (甘肃省党政代表团 → gan-su-sheng-dang-zheng-dai-biao-tuan), Latin letters lose their accents,
 * everything else becomes a separator. Cut on a syllable boundary at SLUG_MAX characters.
 */
export function slugify(text: string, max = SLUG_MAX): string {
  const syllables = pinyin(text.normalize('NFKC'), { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true });
  const ascii = syllables
    .join(' ')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (ascii.length <= max) return ascii;
  const cut = ascii.slice(0, max + 1);
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > 0 ? cut.slice(0, lastDash) : ascii.slice(0, max)).replace(/-+$/, '');
}

/** base, base-2, base-3 …, each cut to SLUG_MAX on a syllable boundary. */
function* candidates(base: string): Generator<string> {
  yield base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    yield base.slice(0, SLUG_MAX - suffix.length).replace(/-+$/, '') + suffix;
  }
}

/**
 * The first of base, base-2, base-3 … that `taken` says is free. Synchronous, for the stores
 * still inside better-sqlite3 transactions, where the check and the insert are not interleaved.
 */
export function uniqueSlug(base: string, taken: (slug: string) => boolean, fallback = 'item'): string {
  for (const candidate of candidates(base || fallback)) if (!taken(candidate)) return candidate;
  throw new Error('unreachable');
}

/**
 * Inserts with the slug the client chose (a collision is its 409), or with the first free one of
 * base, base-2 … . The check only skips known slugs; the unique constraint decides: a writer that
 * took the same candidate a moment earlier makes the insert fail in its savepoint, and the next
 * candidate is tried.
 */
export async function withFreshSlug<Row>(tx: Tx, chosen: string | undefined, base: string, insert: (tx: Tx, slug: string) => Promise<Row>, taken: (slug: string) => Promise<boolean>): Promise<Row> {
  if (chosen !== undefined) return insert(tx, chosen);
  for (const candidate of candidates(base)) {
    if (await taken(candidate)) continue;
    try {
      return await tx.savepoint((sp) => insert(sp, candidate));
    } catch (error) {
      if (!isSlugTaken(error)) throw error;
    }
  }
  throw new Error('unreachable');
}
