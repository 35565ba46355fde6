import type { Test } from 'tap';
import { buildTestApp, call, type TestApp } from '../helpers/app.js';
import { factories, hoursFrom, writeHeadersOf } from '../helpers/factories.js';
import { NASTY_BODY, NASTY_TITLE } from './well-formed.js';

export const BASE = 'https://news.example.com';
export const START = '2026-11-27T08:00:00.000Z';
export const articleTag = (id: number) => `tag:news.example.com,2026:article:${id}`;

type Row = Record<string, any>;

/**
 * A newsroom with 天津 › 政情, 体育, an empty 法治, the source 天津日报, three visible articles
 * (newest first: inSub, inParent, sport) and four that readers must never see.
 */
export async function newsroom(t: Test) {
  const ctx: TestApp = await buildTestApp(t, { publicBaseUrl: BASE });
  const f = factories(ctx);
  const tianjin = await f.section({ name: '天津', slug: 'tianjin' });
  const zhengqing = await f.section({ name: '政情', slug: 'zhengqing', parentId: tianjin.id });
  const sport = await f.section({ name: '体育', slug: 'tiyu' });
  const empty = await f.section({ name: '法治', slug: 'fazhi' });
  const daily = await f.source({ name: '天津日报', slug: 'tianjin-daily', url: 'https://www.enorth.com.cn/' });
  const at = (h: number) => hoursFrom(START, h);
  const visible = {
    inSub: await f.article(zhengqing.id, {
      title: NASTY_TITLE,
      body: NASTY_BODY,
      summary: '摘要 & <摘要>',
      byline: '记者 张三',
      sourceId: daily.id,
      sourceUrl: 'https://www.enorth.com.cn/a/1.html',
      tags: ['津甘协作', 'A&B'],
      publishedAt: at(-1),
    }),
    inParent: await f.article(tianjin.id, { title: '天津新闻 二', body: '<p>二</p>', publishedAt: at(-2) }),
    sport: await f.article(sport.id, { title: '体育新闻', body: '<p>球</p>', publishedAt: at(-3) }),
  };
  const hidden: Record<string, Row> = {
    draft: await f.article(tianjin.id, { title: '草稿不可见', status: 'draft' }),
    scheduled: await f.article(tianjin.id, { title: '定时不可见', publishedAt: at(5) }),
    archived: await f.article(tianjin.id, { title: '归档不可见', status: 'archived', publishedAt: at(-4) }),
    trashed: await f.article(tianjin.id, { title: '删除不可见', publishedAt: at(-5) }),
  };
  const del = await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${hidden.trashed!.id}`, headers: writeHeadersOf(ctx) });
  if (del.status !== 204) throw new Error(`delete answered ${del.status}`);
  return { ...ctx, f, sections: { tianjin, zhengqing, sport, empty }, source: daily, visible, hidden };
}

export type Newsroom = Awaited<ReturnType<typeof newsroom>>;
export const HIDDEN_TITLES = ['草稿不可见', '定时不可见', '归档不可见', '删除不可见'];
