/**
 * What the benchmark measures, and the budgets of issue 8 as data. A scenario names the request
 * (or the pool of requests it draws from at random); the run measures each against the bare
 * fastify route of the same run. Adding a route to the benchmark is one entry here.
 */

/** Facts about the dataset the scenarios draw from, discovered over HTTP before measuring. */
export type BenchContext = {
  /** Ids and slugs of reader-visible articles spread over the whole archive. */
  ids: number[];
  slugs: string[];
  /** A top-level section that has subsections. */
  topSection: string;
  /** A common tag, and a one-year publishing window in the middle of the archive. */
  tag: string;
  window: { after: string; before: string };
  /** The cursor of page 200 of the home list (or of the last page, on a small dataset). */
  deepCursor: string;
  deepPage: number;
  /** An article and its current ETag, for revalidation. */
  etag: { id: number; value: string };
  /** An admin key's Authorization header, for scenarios that need an editor. */
  editorAuth: Record<string, string>;
};

export type Budget = { minRatio?: number; maxP99Ms?: number; text: string };

/** A request: a fixed path, or a pool of paths drawn from at random for each request. */
export type ScenarioRequest = { path: string; headers?: Record<string, string> } | { paths: string[]; headers?: Record<string, string> };

export type Scenario = {
  key: string;
  title: string;
  /** The route that must exist for the scenario to run (checked with one GET; a route-not-found 404 skips it). */
  requires?: string;
  /** Answers other than this status count as errors (default 200). */
  expectStatus?: number;
  request(ctx: BenchContext): ScenarioRequest;
  budget?: Budget;
  /** Measured against bench/reference-server.ts (hand-written, no CMS work) instead of Masthead: the yardstick. */
  reference?: boolean;
  /** Run-level flags: the smoke test runs only `smoke` scenarios. */
  smoke?: boolean;
};

const q = encodeURIComponent;
const ARTICLE_BY_ID: Budget = { minRatio: 0.4, maxP99Ms: 10, text: '≥ 0.40 × bare, p99 ≤ 10 ms' };

export const SCENARIOS: Scenario[] = [
  { key: 'article-by-id', title: 'article by id', smoke: true, budget: ARTICLE_BY_ID, request: (c) => ({ paths: c.ids.map((id) => `/v1/articles/${id}`) }) },
  {
    key: 'article-by-slug',
    title: 'article by slug + section,source,relatedLinks',
    smoke: true,
    request: (c) => ({ paths: c.slugs.map((s) => `/v1/articles/slug/${s}?include=section,source,relatedLinks`) }),
  },
  { key: 'home-list', title: 'home page list (20 newest)', smoke: true, request: () => ({ path: '/v1/articles?limit=20' }) },
  { key: 'section-list', title: 'section list with subsections', request: (c) => ({ path: `/v1/articles?section=${q(c.topSection)}&limit=20` }) },
  {
    key: 'filtered-list',
    title: 'filtered list (section + tag + date window)',
    request: (c) => ({
      path: `/v1/articles?section=${q(c.topSection)}&tag=${q(c.tag)}&publishedAfter=${q(c.window.after)}&publishedBefore=${q(c.window.before)}&limit=20`,
    }),
  },
  {
    key: 'list-embed',
    title: 'list of 20 + section,source',
    smoke: true,
    budget: { minRatio: 0.2, text: '≥ 0.20 × bare' },
    request: () => ({ path: '/v1/articles?limit=20&include=section,source' }),
  },
  { key: 'deep-page', title: 'deep page (cursor ~200 pages in)', request: (c) => ({ path: `/v1/articles?limit=20&cursor=${q(c.deepCursor)}` }) },
  {
    key: 'revalidate-304',
    title: 'conditional GET → 304',
    smoke: true,
    expectStatus: 304,
    budget: { minRatio: 0.6, text: '≥ 0.60 × bare' },
    request: (c) => ({ path: `/v1/articles/${c.etag.id}`, headers: { 'if-none-match': c.etag.value } }),
  },
  {
    key: 'search-2',
    title: 'search, 2 characters (天津)',
    requires: '/v1/search?q=' + q('天津'),
    smoke: true,
    budget: { minRatio: 0.1, maxP99Ms: 25, text: '≥ 0.10 × bare, p99 ≤ 25 ms (at 100k)' },
    request: () => ({ path: `/v1/search?q=${q('天津')}` }),
  },
  { key: 'search-4', title: 'search, 4 characters (高质量发展)', requires: '/v1/search?q=x', request: () => ({ path: `/v1/search?q=${q('高质量发展')}` }) },
  { key: 'search-2-words', title: 'search, two words (天津 经济)', requires: '/v1/search?q=x', request: () => ({ path: `/v1/search?q=${q('天津 经济')}` }) },
  { key: 'rss', title: 'RSS feed', requires: '/v1/feeds/rss', request: () => ({ path: '/v1/feeds/rss' }) },
  {
    key: 'reference-by-id',
    title: 'reference: hand-written by id',
    reference: true,
    request: (c) => ({ paths: c.ids.map((id) => `/ref/articles/${id}`) }),
  },
  { key: 'reference-list', title: 'reference: hand-written list, 2 joins', reference: true, request: () => ({ path: '/ref/articles' }) },
  { key: 'changes', title: 'change-feed page', requires: '/v1/changes', request: (c) => ({ path: '/v1/changes?limit=100', headers: c.editorAuth }) },
];

/** Budgets that are about the whole run rather than one scenario. */
export const RUN_BUDGETS = {
  /** Server RSS under load at 100k articles. */
  maxServerRssMb: 200,
  /** No scenario's requests/s may fall by more than this factor from 10k to 100k articles. */
  maxDegradation: 2,
};

/** Not measured yet, and why: shown in the table and the JSON so the gap stays visible. */
export const NOT_YET_MEASURED = [
  {
    key: 'import',
    title: 'import throughput (POST /v1/import, 100k lines)',
    budget: '≥ 5,000 articles/s, peak RSS ≤ 300 MB at 200k',
    why: 'measured separately by bench/import-bench.ts (issue 6), not by this runner',
  },
];

type Page<T> = { data: T[]; page: { nextCursor: string | null } };
type Sample = { id: number; slug: string; tags: string[]; publishedAt: string };
const YEAR = 365 * 86_400_000;
/** Windows sampled for ids: 40 × 100 articles from dates spread over the archive. */
const SAMPLE_WINDOWS = 40;

async function getJson<T>(base: string, path: string, headers: Record<string, string> = {}): Promise<{ body: T; headers: Headers }> {
  const res = await fetch(base + path, { headers });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return { body: (await res.json()) as T, headers: res.headers };
}

/** The top-level section with the most subsections (ties: the first in navigation order). */
async function topSectionOf(base: string): Promise<string> {
  const { body } = await getJson<Page<{ id: number; slug: string; parentId: number | null }>>(base, '/v1/sections?limit=100');
  const children = (id: number) => body.data.filter((s) => s.parentId === id).length;
  const top = body.data.filter((s) => s.parentId === null).sort((a, b) => children(b.id) - children(a.id))[0];
  if (!top) throw new Error('The dataset has no sections');
  return top.slug;
}

/** Reader-visible articles from dates spread over the archive, so by-id requests do not all hit the newest rows. */
async function sampleArticles(base: string, random: () => number): Promise<{ sample: Sample[]; oldest: number; newest: number }> {
  const fields = 'fields=slug,tags,publishedAt';
  const newest = (await getJson<Page<Sample>>(base, `/v1/articles?limit=1&${fields}`)).body.data[0];
  const oldest = (await getJson<Page<Sample>>(base, `/v1/articles?limit=1&sort=publishedAt&${fields}`)).body.data[0];
  if (!newest || !oldest) throw new Error('The dataset has no published articles');
  const [from, to] = [Date.parse(oldest.publishedAt), Date.parse(newest.publishedAt) + 1];
  const byId = new Map<number, Sample>();
  for (let i = 0; i < SAMPLE_WINDOWS; i++) {
    const before = new Date(from + random() * (to - from) + 1).toISOString();
    const page = await getJson<Page<Sample>>(base, `/v1/articles?limit=100&publishedBefore=${q(before)}&${fields}`);
    for (const a of page.body.data) byId.set(a.id, a);
  }
  return { sample: [...byId.values()], oldest: from, newest: to };
}

function commonestTag(sample: Sample[]): string {
  const counts = new Map<string, number>();
  for (const a of sample) for (const t of a.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  if (!best) throw new Error('No article in the sample has tags');
  return best[0];
}

/** Follows the home list's cursors `pages` pages in (stopping early on a small dataset). */
async function deepCursorOf(base: string, pages: number): Promise<{ cursor: string; page: number }> {
  let cursor: string | null = null;
  let page = 1;
  for (; page <= pages; page++) {
    const path: string = `/v1/articles?limit=20${cursor ? `&cursor=${q(cursor)}` : ''}`;
    const next: string | null = (await getJson<Page<unknown>>(base, path)).body.page.nextCursor;
    if (!next) break;
    cursor = next;
  }
  if (!cursor) throw new Error('The home list has a single page: too few articles for the deep-page scenario');
  return { cursor, page };
}

/** Everything the scenarios need, found through the API itself so it works on any dataset. */
export async function discoverContext(base: string, adminKey: string, random: () => number, deepPages = 200): Promise<BenchContext> {
  const { sample, oldest, newest } = await sampleArticles(base, random);
  const mid = (oldest + newest) / 2;
  const deep = await deepCursorOf(base, deepPages);
  const first = sample[0]!;
  const etag = (await getJson(base, `/v1/articles/${first.id}`)).headers.get('etag');
  if (!etag) throw new Error(`GET /v1/articles/${first.id} sent no ETag`);
  return {
    ids: sample.map((a) => a.id),
    slugs: sample.map((a) => a.slug),
    topSection: await topSectionOf(base),
    tag: commonestTag(sample),
    window: { after: new Date(mid - YEAR / 2).toISOString(), before: new Date(mid + YEAR / 2).toISOString() },
    deepCursor: deep.cursor,
    deepPage: deep.page,
    etag: { id: first.id, value: etag },
    editorAuth: { authorization: `Bearer ${adminKey}` },
  };
}

/** Whether the route a scenario needs exists: anything but a route-not-found 404 counts. */
export async function routeExists(base: string, path: string, headers: Record<string, string>): Promise<boolean> {
  const res = await fetch(base + path, { headers, signal: AbortSignal.timeout(60_000) });
  if (res.status !== 404) return true;
  const body = (await res.json().catch(() => ({}))) as { code?: string };
  return body.code !== 'route-not-found';
}
