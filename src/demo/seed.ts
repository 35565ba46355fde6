import { systemClock, type Clock } from '../common/time.js';
import type { Store } from '../store/port.js';
import { createStores } from '../stores.js';
import { DEMO_ARTICLE, DEMO_RELATED_HEADLINES, DEMO_SECTIONS } from './content.js';

/** Loads the seed page through the same stores the API uses (sanitising, slugs, tags). */
export async function loadDemo(store: Store, clock: Clock = systemClock) {
  const { sections, sources, articles, links } = createStores(store, clock);

  const ids = new Map<string, number>();
  for (const [position, s] of DEMO_SECTIONS.entries()) {
    const parentId = s.slug === 'zhengqing' ? ids.get('tianjin') : undefined;
    ids.set(s.slug, (await sections.create({ ...s, position, parentId })).id);
  }
  const source = await sources.create({ slug: 'tianjin-daily', name: '天津日报', url: 'https://www.enorth.com.cn/', kind: 'newspaper' });

  const main = await articles.create(
    {
      title: DEMO_ARTICLE.title,
      summary: DEMO_ARTICLE.paragraphs[0]!.trim(),
      body: DEMO_ARTICLE.paragraphs.map((p) => `<p>${p}</p>`).join(''),
      sectionId: ids.get('zhengqing')!,
      sourceId: source.id,
      tags: DEMO_ARTICLE.tags,
      status: 'published',
      publishedAt: DEMO_ARTICLE.publishedAt,
      externalId: DEMO_ARTICLE.externalId,
    },
    null,
  );
  for (const [i, title] of DEMO_RELATED_HEADLINES.entries()) {
    const related = await articles.create(
      {
        title,
        sectionId: ids.get('redian')!,
        status: 'published',
        publishedAt: new Date(Date.parse(DEMO_ARTICLE.publishedAt) - (i + 1) * 3_600_000).toISOString(),
        externalId: `enorth-related-${i + 1}`,
      },
      null,
    );
    await links.create(main.id, { targetArticleId: related.id });
  }
  return { sections: DEMO_SECTIONS.length, sources: 1, articles: 1 + DEMO_RELATED_HEADLINES.length };
}
