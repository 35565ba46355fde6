import { z } from 'zod';
import { id, line, PageQuery, pageOf, slug, timestamp } from '../common/schemas.js';
import { API_KEY_SCOPES } from '../store/port.js';

export const KeyScope = z
  .enum(API_KEY_SCOPES)
  .describe('read: published content (optionally limited to sections/sources); write: editors and imports; admin: everything, keys included');

const slugList = (what: string) =>
  z
    .array(slug)
    .min(1)
    .max(100)
    .nullable()
    .describe(`Read keys only: the ${what} (by slug) this key may read; null means all`);

const example = {
  id: 3,
  name: 'partner X',
  scope: 'read' as const,
  prefix: 'mh_q3V9xKa',
  sections: ['tianjin'],
  sources: null,
  createdAt: '2026-11-27T08:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
};

export const ApiKey = z
  .object({
    id,
    name: z.string(),
    scope: KeyScope,
    prefix: z.string().describe('The first characters of the secret, to recognise the key; the secret itself is never shown again'),
    sections: slugList('sections (with their subsections)'),
    sources: slugList('sources'),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable().describe('Updated at most once a minute, and written to the database within a few seconds (best effort: a failed write never fails the request)'),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey', description: 'An API key, without its secret.', example });

export const ApiKeyCreate = z
  .strictObject({
    name: line(100).describe('Who or what uses the key, e.g. partner X'),
    scope: KeyScope,
    sections: slugList('sections (with their subsections)').optional(),
    sources: slugList('sources').optional(),
  })
  .meta({ id: 'ApiKeyCreate', example: { name: 'partner X', scope: 'read', sections: ['tianjin'] } });

export const ApiKeyCreated = ApiKey.extend({
  secret: z.string().describe('Send as `Authorization: Bearer <secret>`. Shown only in this answer: keep it now.'),
}).meta({
  id: 'ApiKeyCreated',
  example: { ...example, secret: 'mh_q3V9xKa0Lr2bWm7YdT4sPz8uNc1eHg5jFo6iQkXvA' },
});

export const ApiKeyPage = pageOf(ApiKey, 'ApiKeyPage');
export const ApiKeyListQuery = PageQuery.strict();

export type ApiKeyDto = z.infer<typeof ApiKey>;
export type ApiKeyCreateInput = z.infer<typeof ApiKeyCreate>;
export type KeyScopeName = z.infer<typeof KeyScope>;
