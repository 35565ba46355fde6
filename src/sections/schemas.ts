import { z } from 'zod';
import { id, line, PageQuery, pageOf, slug, text, timestamp } from '../common/schemas.js';

const example = {
  id: 2,
  slug: 'tianjin',
  name: '天津',
  description: '天津本地新闻',
  parentId: null,
  position: 1,
  version: 1,
  createdAt: '2023-04-19T00:00:00.000Z',
  updatedAt: '2023-04-19T00:00:00.000Z',
};

export const Section = z
  .object({
    id,
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    parentId: id.nullable(),
    position: z.number().int(),
    version: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Section', description: 'A section of the site (天津, 政情 …); sections nest through parentId.', example });

const fields = {
  slug: slug.describe('Unique ASCII slug; generated from the name (pinyin) when left out'),
  name: line(100).describe('Display name, e.g. 天津'),
  description: text(2000, 0).nullable(),
  parentId: id.nullable().describe('The parent section; null for a top-level section'),
  position: z.number().int().min(-1_000_000).max(1_000_000).describe('Navigation order among siblings'),
};

export const SectionCreate = z
  .strictObject({
    slug: fields.slug.optional(),
    name: fields.name,
    description: fields.description.optional(),
    parentId: fields.parentId.optional(),
    position: fields.position.optional(),
  })
  .meta({ id: 'SectionCreate', example: { slug: 'zhengqing', name: '政情', parentId: 2, position: 3 } });

export const SectionUpdate = z
  .strictObject({
    slug: fields.slug,
    name: fields.name,
    description: fields.description,
    parentId: fields.parentId,
    position: fields.position,
  })
  .partial()
  .meta({ id: 'SectionUpdate', example: { name: '政情要闻', position: 4 } });

export const SectionPage = pageOf(Section, 'SectionPage');

export const SectionListQuery = PageQuery.extend({
  parent: z
    .string()
    .max(100)
    .optional()
    .describe('Only the children of this section (id or slug); `root` for top-level sections'),
}).strict();

export type SectionTreeNode = z.infer<typeof Section> & { children: SectionTreeNode[] };
export const SectionTreeNode: z.ZodType<SectionTreeNode> = Section.extend({
  get children() {
    return z.array(SectionTreeNode);
  },
}).meta({ id: 'SectionTreeNode' });
export const SectionTree = z.object({ data: z.array(SectionTreeNode) }).meta({ id: 'SectionTree' });

export type SectionDto = z.infer<typeof Section>;
export type SectionCreateInput = z.infer<typeof SectionCreate>;
export type SectionUpdateInput = z.infer<typeof SectionUpdate>;
