import type { TestApp } from '../helpers/app.js';
import { call } from '../helpers/app.js';
import { allArticles, countStored, type StoredKind } from '../helpers/store-rows.js';

/** Records as one NDJSON body; strings are written as they are (for malformed lines). */
export const ndjson = (records: unknown[], eol = '\n') => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join(eol) + eol;

/** A small newsroom from the seed page: 天津 › 政情, 天津日报, two articles that link to each other. */
export const seedRecords = () => [
  { type: 'section', slug: 'tianjin', name: '天津', description: '天津本地新闻', position: 1, parent: null },
  { type: 'section', slug: 'zhengqing', name: '政情', position: 2, parent: 'tianjin' },
  { type: 'source', slug: 'tianjin-daily', name: '天津日报', url: 'https://www.enorth.com.cn/', kind: 'newspaper' },
  {
    type: 'article',
    externalId: 'tjrb-20230419-001',
    slug: 'gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha',
    title: '甘肃省党政代表团来津考察',
    body: '<p>4月17日至18日,甘肃省党政代表团来津考察。</p><p onclick="steal()">市委书记陈敏尔主持座谈会并讲话。</p>',
    section: 'zhengqing',
    source: 'tianjin-daily',
    tags: ['津甘协作', '东西部协作'],
    status: 'published',
    publishedAt: '2023-04-19T00:00:00.000Z',
    relatedLinks: [{ externalId: 'tjrb-20230419-002' }, { url: 'https://www.enorth.com.cn/news/1.html', title: '联合国预测:2023年印度人口数量将超过中国' }],
  },
  {
    type: 'article',
    externalId: 'tjrb-20230419-002',
    title: '汉服映天理,春色染衣裳',
    section: 'tianjin',
    status: 'draft',
    relatedLinks: [{ slug: 'gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha' }],
  },
];

export const NDJSON = { 'content-type': 'application/x-ndjson' };

/** POST /v1/import with the test app's write key. */
export function importBody(ctx: TestApp, payload: string | Buffer | NodeJS.ReadableStream, query = '') {
  return call(ctx.app, { method: 'POST', url: `/v1/import${query}`, headers: { ...ctx.auth.write, ...NDJSON }, payload: payload as string });
}

export async function exportAll(ctx: TestApp, query = ''): Promise<string> {
  const res = await ctx.app.inject({ method: 'GET', url: `/v1/export${query}`, headers: ctx.auth.write });
  if (res.statusCode !== 200) throw new Error(`export answered ${res.statusCode}: ${res.body}`);
  return res.body;
}

/** The stored state that an import must not touch when nothing changed. */
export async function versions(ctx: TestApp) {
  return (await allArticles(ctx.store)).map(({ id, version, updatedAt }) => ({ id, version, updatedAt }));
}

/** How many rows of a kind are stored, read through the port. */
export const count = (ctx: TestApp, kind: StoredKind) => countStored(ctx.store, kind);
