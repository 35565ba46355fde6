import { z } from 'zod';

export const NINJS_MEDIA_TYPE = 'application/ninjs+json';
export const NINJS_SCHEMA_URI = 'http://www.iptc.org/std/ninjs/ninjs-schema_3.2.json#';

const Text = z.object({ role: z.string().optional(), contentType: z.string().optional(), value: z.string() });
const Subject = z.object({ name: z.string(), rel: z.string(), uri: z.string().optional(), literal: z.string().optional() });
const Rendition = z.object({ name: z.string(), href: z.string(), contentType: z.string().optional(), title: z.string().optional() });

/** The parts of an associated item we fill in (an association is itself a ninjs object). */
const Association = z.object({
  name: z.string(),
  rel: z.string(),
  uri: z.string(),
  type: z.enum(['text', 'picture']),
  representationType: z.literal('partial'),
  headlines: z.array(Text).optional(),
  renditions: z.array(Rendition).optional(),
});

/**
 * The subset of IPTC ninjs 3.2 that Masthead writes. The official schema is the contract
 * (vendored for the tests in test/fixtures/ninjs/ninjs-schema_3.2.json); the tests validate real answers against it.
 */
export const Ninjs = z
  .object({
    uri: z.string().describe('Permanent tag: URI of the article; the same id as in the feeds'),
    standard: z.object({ name: z.literal('ninjs'), version: z.literal('3.2'), schema: z.string() }),
    type: z.literal('text'),
    representationType: z.literal('full'),
    version: z.string().describe('The article’s version'),
    firstCreated: z.string(),
    versionCreated: z.string().describe('updatedAt'),
    contentCreated: z.string().optional().describe('publishedAt, once it is due'),
    embargoedUntil: z.string().optional().describe('publishedAt of a scheduled article (editors only)'),
    pubStatus: z.enum(['usable', 'withheld', 'canceled']).describe('usable: published; withheld: draft or archived; canceled: in the trash'),
    language: z.string(),
    slugline: z.string(),
    headlines: z.array(Text),
    descriptions: z.array(Text).optional(),
    bodies: z.array(Text.extend({ charCount: z.number().int().optional() })),
    by: z.string().optional(),
    subjects: z.array(Subject).describe('The section (rel "section"), its parents (rel "parentSection") and the tags (rel "keyword")'),
    copyrightHolder: z.string().optional().describe('The source’s name'),
    infoSources: z.array(z.object({ name: z.string(), role: z.string(), uri: z.string().optional(), literal: z.string() })).optional(),
    renditions: z.array(Rendition),
    associations: z.array(Association).optional().describe('Related links (rel "related") and the cover image (rel "cover")'),
    altIds: z.array(z.object({ role: z.string(), value: z.string() })),
  })
  .meta({
    id: 'Ninjs',
    description: 'An article as IPTC ninjs 3.2 (News in JSON).',
    example: {
      uri: 'tag:news.example.com,2026:article:1',
      standard: { name: 'ninjs', version: '3.2', schema: NINJS_SCHEMA_URI },
      type: 'text',
      representationType: 'full',
      version: '1',
      firstCreated: '2023-04-19T00:00:00.000Z',
      versionCreated: '2023-04-19T00:00:00.000Z',
      contentCreated: '2023-04-19T00:00:00.000Z',
      pubStatus: 'usable',
      language: 'zh',
      slugline: 'gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha',
      headlines: [{ role: 'main', value: '甘肃省党政代表团来津考察' }],
      bodies: [
        { role: 'main', contentType: 'text/html', value: '<p>4月17日至18日,甘肃省党政代表团来津考察。</p>' },
        { role: 'main', contentType: 'text/plain', value: '4月17日至18日,甘肃省党政代表团来津考察。', charCount: 22 },
      ],
      subjects: [{ name: '天津', rel: 'section', uri: 'tag:news.example.com,2026:section:2', literal: 'tianjin' }],
      copyrightHolder: '天津日报',
      infoSources: [{ name: '天津日报', role: 'source', literal: 'tian-jin-ri-bao' }],
      renditions: [{ name: 'web', href: 'https://news.example.com/articles/gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha', contentType: 'text/html' }],
      altIds: [{ role: 'id', value: '1' }],
    },
  });

export type NinjsDto = z.infer<typeof Ninjs>;
