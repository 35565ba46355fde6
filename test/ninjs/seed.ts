import { readFileSync } from 'node:fs';

/**
 * The seed page (test/fixtures/seed): its headline is the first line of text after the navigation
 * bar, its paragraphs the indented lines between the date line and 来源.
 */
export function seedArticle() {
  const lines = readFileSync(new URL('../fixtures/seed/000_1c8763f15fd8f122.txt', import.meta.url), 'utf8').split('\n');
  const title = lines.slice(1).find((l) => l.trim().length > 0)!.trim();
  const end = lines.findIndex((l) => l.startsWith('来源:'));
  const paragraphs = lines.slice(0, end).filter((l) => /^\s{2}\S/.test(l) && !l.includes('2023/04/19')).map((l) => l.trim());
  return { title, paragraphs, source: lines[end]!.slice('来源:'.length).trim() };
}
