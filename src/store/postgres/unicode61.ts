import { UNICODE61_RUNS } from './unicode61-table.js';

/**
 * SQLite's search index does not hold the app's tokens as they are: FTS5's `unicode61
 * remove_diacritics 2` tokenizer (src/search/segment.ts, FTS5_TOKENIZE) cuts them again, on the
 * document and on the query alike. It folds case and diacritics (café and cafe are one token),
 * drops combining diacritics, and splits where it sees a separator, which for it is most
 * combining marks (हिन्दी is three tokens, ह न द). The PostgreSQL document and query hold the same
 * tokens, cut by the same per-character table, so that a search finds the same articles on both.
 */

type Run = { start: number; kind: 'k' | 's' | 'd' | number };

const RUNS: Run[] = UNICODE61_RUNS.split(',').filter(Boolean).map((entry) => {
  const [, start, kind] = /^([0-9a-z]+)([ksd]|[+-][0-9a-z]+)$/.exec(entry)!;
  const k = kind === 'k' || kind === 's' || kind === 'd' ? kind : parseInt(kind!, 36);
  return { start: parseInt(start!, 36), kind: k };
});

function kindOf(cp: number): Run['kind'] {
  let lo = 0;
  let hi = RUNS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (RUNS[mid]!.start <= cp) lo = mid;
    else hi = mid - 1;
  }
  return RUNS[lo]!.kind;
}

/** Lower-case ASCII letters and digits: what unicode61 keeps as they are, and most of what a document holds. */
const PLAIN = /^[a-z0-9]+$/;

/** The tokens unicode61 makes of one of the app's tokens (none, one, or several). */
export function unicode61(token: string): string[] {
  if (PLAIN.test(token)) return [token];
  const out: string[] = [];
  let current = '';
  for (const ch of token) {
    const cp = ch.codePointAt(0)!;
    const kind = kindOf(cp);
    if (kind === 'k') current += ch;
    else if (kind === 's') {
      if (current) out.push(current);
      current = '';
    } else if (kind !== 'd') current += String.fromCodePoint(cp + kind);
  }
  if (current) out.push(current);
  return out;
}
