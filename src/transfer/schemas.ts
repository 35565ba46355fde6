import { z } from 'zod';
import { id, line, slug, timestamp } from '../common/schemas.js';
import type { PreparedBody } from '../articles/html.js';
import { ArticleCreate } from '../articles/schemas.js';
import { Problem } from '../http/problem.js';
import { MAX_LINKS_PER_ARTICLE } from '../related-links/schemas.js';
import { SectionCreate } from '../sections/schemas.js';
import { SourceCreate } from '../sources/schemas.js';

/**
 * The NDJSON records of an import (and of an export: the same format both ways). Each record has
 * the fields of the CRUD create body, with references by slug instead of by id, so that a file
 * can be moved between databases.
 */
export const RECORD_TYPES = ['section', 'source', 'article'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const SectionRecord = SectionCreate.omit({ parentId: true })
  .extend({
    type: z.literal('section'),
    slug: SectionCreate.shape.slug.unwrap().describe('The key the import upserts on'),
    parent: slug.nullable().optional().describe('The parent section by slug (it must come earlier in the file or exist)'),
    parentId: SectionCreate.shape.parentId,
  })
  .refine((r) => r.parent === undefined || r.parentId === undefined, { message: 'Give parent or parentId, not both', path: ['parent'] });

export const SourceRecord = SourceCreate.extend({
  type: z.literal('source'),
  slug: SourceCreate.shape.slug.unwrap().describe('The key the import upserts on'),
});

/** A related link: another article by externalId or slug (it may come later in the file), or an external URL. */
export const LinkRef = z
  .strictObject({
    externalId: line(200).optional(),
    slug: slug.optional(),
    url: z.url({ protocol: /^https?$/ }).max(2048).optional(),
    title: line(300).optional(),
  })
  .superRefine((l, ctx) => {
    const kinds = [l.externalId, l.slug, l.url].filter((v) => v !== undefined).length;
    if (kinds !== 1) ctx.addIssue({ code: 'custom', message: 'Give exactly one of externalId, slug, or url (with title)' });
    if (l.url !== undefined && l.title === undefined) ctx.addIssue({ code: 'custom', message: 'An external link needs a title', path: ['title'] });
    if (l.url === undefined && l.title !== undefined) ctx.addIssue({ code: 'custom', message: 'Only external links (url) have a title', path: ['title'] });
  })
  .meta({ id: 'ImportLinkRef', example: { externalId: 'tjrb-20230419-002' } });
export type LinkRefInput = z.infer<typeof LinkRef>;

const { sectionId, sourceId } = ArticleCreate.shape;

export const ArticleRecord = ArticleCreate.omit({ sectionId: true, sourceId: true })
  .extend({
    type: z.literal('article'),
    section: slug.optional().describe('The section by slug (or give sectionId)'),
    sectionId: sectionId.optional(),
    source: slug.nullable().optional().describe('The source by slug (or give sourceId)'),
    sourceId,
    relatedLinks: z.array(LinkRef).max(MAX_LINKS_PER_ARTICLE).optional().describe('Replaces the article’s related links; left out, they stay as they are'),
    deletedAt: timestamp.nullable().optional().describe('Set: the article is in the trash since then; null: restored'),
  })
  .superRefine((r, ctx) => {
    if ((r.section === undefined) === (r.sectionId === undefined)) ctx.addIssue({ code: 'custom', message: 'Give section (a slug) or sectionId', path: ['section'] });
    if (r.source !== undefined && r.sourceId !== undefined) ctx.addIssue({ code: 'custom', message: 'Give source or sourceId, not both', path: ['source'] });
    if (r.externalId == null && r.slug === undefined) {
      ctx.addIssue({ code: 'custom', message: 'An imported article needs an externalId (or a slug) to be upserted on, so that the file can be re-run', path: ['externalId'] });
    }
  });

export type SectionRecordInput = z.infer<typeof SectionRecord>;
export type SourceRecordInput = z.infer<typeof SourceRecord>;
/** `prepared`: its body made ready ahead of the write (prepare.ts); never read from the line, which is a strict object. */
export type ArticleRecordInput = z.infer<typeof ArticleRecord> & { prepared?: PreparedBody };
export type ImportRecordInput = SectionRecordInput | SourceRecordInput | ArticleRecordInput;

export const RECORD_SCHEMAS = { section: SectionRecord, source: SourceRecord, article: ArticleRecord } as const;

/** For the document only: what one line of the NDJSON body holds. */
export const ImportRecord = z
  .discriminatedUnion('type', [SectionRecord, SourceRecord, ArticleRecord])
  .meta({
    id: 'ImportRecord',
    description:
      'One line of an NDJSON import or export: a section, a source or an article. Sections and sources upsert on slug, articles on externalId (or slug when they have none).',
    example: {
      type: 'article',
      externalId: 'tjrb-20230419-001',
      slug: 'gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha',
      title: '甘肃省党政代表团来津考察',
      body: '<p>4月17日至18日,甘肃省党政代表团来津考察。</p>',
      section: 'tianjin',
      source: 'tianjin-daily',
      tags: ['津甘协作'],
      status: 'published',
      publishedAt: '2023-04-19T00:00:00.000Z',
      relatedLinks: [{ externalId: 'tjrb-20230419-002' }],
    },
  });

export const IMPORT_MODES = ['upsert', 'create-only', 'update-only'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export const ImportQuery = z.strictObject({
  mode: z.enum(IMPORT_MODES).default('upsert').describe('upsert (default); create-only: existing records fail; update-only: new records fail'),
  batchSize: z.coerce.number().int().min(1).max(10_000).default(500).describe('Lines per transaction (1–10000, default 500)'),
  dryRun: z.enum(['true', 'false']).default('false').describe('true: validate and report what would happen, write nothing'),
  report: z.enum(['summary', 'lines']).default('summary').describe('summary: one JSON answer; lines: NDJSON, one result per line, streamed'),
});

export const LINE_STATUSES = ['created', 'updated', 'unchanged', 'failed'] as const;
export type LineStatus = (typeof LINE_STATUSES)[number];

const LineProblem = z.object({ pointer: z.string().describe('JSON Pointer into the line'), message: z.string() });

const lineKeys = {
  line: z.number().int().describe('1-based line number in the body (blank lines count)'),
  type: z.enum(RECORD_TYPES).nullable().describe('null when the line could not be read'),
  externalId: z.string().optional(),
  slug: z.string().optional(),
};

export const ImportLineResult = z
  .object({
    ...lineKeys,
    status: z.enum(LINE_STATUSES),
    id: id.optional().describe('The record’s id (not on dry runs, nor on failures)'),
    problems: z.array(LineProblem).optional(),
  })
  .meta({ id: 'ImportLineResult', example: { line: 3, type: 'article', externalId: 'tjrb-20230419-001', status: 'created', id: 1 } });

export const ImportError = z.object({ ...lineKeys, problems: z.array(LineProblem) }).meta({ id: 'ImportError' });

const totals = {
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  lines: z.number().int().describe('Lines read, blank ones included'),
  dryRun: z.boolean(),
  interrupted: z
    .literal(true)
    .optional()
    .describe('Present when the server was shutting down: it read no further, committed the lines it had, and `lines` says how far it got; re-run the file to finish'),
};

export const ImportTotals = z.object(totals).meta({ id: 'ImportTotals' });

export const ImportSummary = z
  .object({
    ...totals,
    errors: z.array(ImportError).describe('The failed lines, in the order they were found (at most 1000)'),
    errorsTruncated: z.boolean().describe('More lines failed than `errors` lists'),
  })
  .meta({
    id: 'ImportSummary',
    example: {
      created: 41,
      updated: 2,
      unchanged: 0,
      failed: 1,
      lines: 44,
      dryRun: false,
      errors: [{ line: 7, type: 'article', externalId: 'tjrb-20230419-007', problems: [{ pointer: '/section', message: 'No section has this slug' }] }],
      errorsTruncated: false,
    },
  });

export const ImportReportLine = z
  .union([ImportLineResult, z.object({ summary: ImportTotals }), z.object({ error: Problem })])
  .meta({
    id: 'ImportReportLine',
    description: 'report=lines: one result per line (in the order they are settled), then `{ "summary": … }`, or `{ "error": … }` when the import stopped (committed batches stay).',
  });

export const ExportQuery = z.strictObject({
  section: z.string().max(100).optional().describe('Only articles in this section (id or slug) and its subsections'),
  source: z.string().max(100).optional().describe('Only articles from this source (id or slug)'),
  updatedSince: timestamp.optional().describe('Only articles changed since (updatedAt >= this)'),
});

export type ImportTotalsDto = z.infer<typeof ImportTotals>;
export type ImportSummaryDto = z.infer<typeof ImportSummary>;
export type ImportLineResultDto = z.infer<typeof ImportLineResult>;
export type ImportErrorDto = z.infer<typeof ImportError>;
export type LineProblemDto = z.infer<typeof LineProblem>;
