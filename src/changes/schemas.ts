import { z } from 'zod';
import { id, timestamp } from '../common/schemas.js';

export const ChangeEvent = z
  .object({
    cursor: z.string().describe('Opaque position of this event; pass it as `since` to read what came after it'),
    resource: z.enum(['article', 'section', 'source', 'relatedLink']),
    id: id.describe('The id of the article, section, source or related link'),
    articleId: id.nullable().describe('For a related link: the article it belongs to; null otherwise'),
    op: z
      .enum(['create', 'update', 'delete'])
      .describe('As seen by the caller: for readers, create = entered their view, delete = left it (a tombstone)'),
    at: timestamp.describe('When it happened; for a scheduled article’s publication, its publishedAt'),
  })
  .meta({
    id: 'ChangeEvent',
    description: 'One change, in commit order.',
    example: { cursor: 'eyJjIjo0Mn0', resource: 'article', id: 1, articleId: null, op: 'update', at: '2023-04-19T00:00:00.000Z' },
  });

export const ChangePage = z
  .object({
    data: z.array(ChangeEvent),
    page: z.object({
      nextCursor: z.string().describe('Never null: where to continue (pass it as `since`); poll again from here when data is empty'),
      limit: z.number().int(),
      hasMore: z.boolean().describe('The page is full: read the next one right away'),
    }),
  })
  .meta({ id: 'ChangePage' });

export const ChangeHead = z
  .object({ cursor: z.string().describe('The position of the latest event: start following from here') })
  .meta({ id: 'ChangeHead', example: { cursor: 'eyJjIjo0Mn0' } });

export const ChangeListQuery = z
  .object({
    since: z.string().min(1).max(200).optional().describe('A cursor from this feed; left out: from the beginning'),
    limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Page size, 1–1000 (default 100)'),
  })
  .strict();

export type ChangeEventDto = z.infer<typeof ChangeEvent>;
