import { z } from 'zod';
import { httpUrl, id, line, PageQuery, pageOf, slug, timestamp } from '../common/schemas.js';
import { SOURCE_KINDS } from '../store/port.js';

export const SourceKind = z.enum(SOURCE_KINDS);

export const Source = z
  .object({
    id,
    slug: z.string(),
    name: z.string(),
    url: z.string().nullable(),
    kind: SourceKind,
    version: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({
    id: 'Source',
    description: 'Where articles come from: a newspaper, an agency, a website, a partner or the newsroom itself.',
    example: {
      id: 1,
      slug: 'tianjin-daily',
      name: '天津日报',
      url: 'https://www.enorth.com.cn/',
      kind: 'newspaper',
      version: 1,
      createdAt: '2023-04-19T00:00:00.000Z',
      updatedAt: '2023-04-19T00:00:00.000Z',
    },
  });

const fields = {
  slug: slug.describe('Unique ASCII slug; generated from the name (pinyin) when left out'),
  name: line(200).describe('e.g. 天津日报'),
  url: httpUrl.nullable(),
  kind: SourceKind,
};

export const SourceCreate = z
  .strictObject({ slug: fields.slug.optional(), name: fields.name, url: fields.url.optional(), kind: fields.kind.optional() })
  .meta({ id: 'SourceCreate', example: { slug: 'tianjin-daily', name: '天津日报', kind: 'newspaper' } });

export const SourceUpdate = z.strictObject(fields).partial().meta({ id: 'SourceUpdate', example: { name: '天津日报社' } });

export const SourcePage = pageOf(Source, 'SourcePage');

export const SourceListQuery = PageQuery.extend({
  kind: SourceKind.optional().describe('Only sources of this kind'),
}).strict();

export type SourceDto = z.infer<typeof Source>;
export type SourceCreateInput = z.infer<typeof SourceCreate>;
export type SourceUpdateInput = z.infer<typeof SourceUpdate>;
