import { z } from 'zod';
import { SLUG_MAX, SLUG_PATTERN } from './slug.js';

/**
 * Text a client may send: well-formed Unicode (no lone surrogates), no NUL or other C0 control
 * characters except tab and line breaks, trimmed length between min and max.
 */
export function text(max: number, min = 1) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((s) => s.isWellFormed(), 'Must be well-formed Unicode (no lone surrogates)')
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'Must not contain control characters');
}

/** A required single-line text that is not only whitespace. */
export function line(max: number) {
  return text(max).refine((s) => s.trim().length > 0, 'Must not be blank');
}

export const slug = z
  .string()
  .min(1)
  .max(SLUG_MAX)
  .regex(SLUG_PATTERN, 'Must be lowercase ASCII letters, digits and single hyphens (a-z, 0-9, -)');

export const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe('An absolute http(s) URL');

export const id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
export const timestamp = z.iso.datetime({ offset: false }).describe('RFC 3339 date-time in UTC');

export const IdParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
export const SlugParams = z.object({ slug: z.string().min(1).max(200) });

export const PageInfo = z
  .object({
    nextCursor: z.string().nullable().describe('Opaque cursor of the next page; null on the last page'),
    limit: z.number().int(),
  })
  .meta({ id: 'PageInfo' });

export function pageOf<T extends z.ZodType>(item: T, idName: string) {
  return z.object({ data: z.array(item), page: PageInfo }).meta({ id: idName });
}

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size, 1–100 (default 20)'),
  cursor: z.string().min(1).max(1024).optional().describe('The `nextCursor` of the previous page'),
});
