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

/**
 * The first of base, base-2, base-3 … that `taken` says is free. Synchronous, because it runs
 * inside better-sqlite3 transactions, where the check and the insert must not be interleaved.
 */
export function uniqueSlug(base: string, taken: (slug: string) => boolean, fallback = 'item'): string {
  const root = base || fallback;
  if (!taken(root)) return root;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = root.slice(0, SLUG_MAX - suffix.length).replace(/-+$/, '') + suffix;
    if (!taken(candidate)) return candidate;
  }
}
