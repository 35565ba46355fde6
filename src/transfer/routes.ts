import { PassThrough, Readable } from 'node:stream';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { validatorCompiler } from '../http/compilers.js';
import { problemBody } from '../http/errors.js';
import { AppError } from '../common/errors.js';
import { resolveFilterRefs } from '../common/filter-refs.js';
import type { SectionService } from '../sections/service.js';
import type { SourceService } from '../sources/service.js';
import type { ThreadTarget } from '../store/port.js';
import { exportNdjson, type ExportFilters } from './export.js';
import { runImport, type ImportDeps, type ImportOptions, type ResultSink } from './import.js';
import { runImportInThread } from './import-thread-main.js';
import { bodyTooLarge } from './lines.js';
import { createSummary } from './report.js';
import { ExportQuery, ImportQuery, ImportRecord, ImportReportLine, ImportSummary } from './schemas.js';

export type TransferRouteDeps = {
  importDeps: ImportDeps;
  sections: SectionService;
  sources: SourceService;
  /** The largest import body, in bytes (IMPORT_BODY_LIMIT). */
  bodyLimit: number;
  /** The longest line; a longer one fails on its own. */
  maxLineBytes: number;
  /**
   * The database as a thread reaches it (Store.thread), when imports are to run on a worker thread
   * with a connection of their own (import-thread-main.ts), so that the request loop never waits
   * for them; null runs them here.
   */
  importThread: ThreadTarget | null;
};

const tags = ['transfer'];
const NDJSON = 'application/x-ndjson';

/** The import body is a stream read line by line (each line checked against ImportRecord); only the query goes through the compiler. */
const streamedBody: FastifySchemaCompiler<z.ZodType> = (route) => (route.httpPart === 'body' ? (data) => ({ value: data }) : validatorCompiler(route));

/** The final line of report=lines when the import stops: the problem, as the JSON answer would have had it. */
function errorLine(request: FastifyRequest, error: unknown): string {
  const body =
    error instanceof AppError
      ? problemBody(request, error.status, error.code, error.message)
      : problemBody(request, 500, 'internal-error', 'An unexpected error occurred; it has been logged.');
  if (!(error instanceof AppError)) request.log.error({ err: error }, 'import failed');
  return JSON.stringify({ error: body }) + '\n';
}

export const transferRoutes: FastifyPluginAsyncZod<TransferRouteDeps> = async (app, deps) => {
  // Only NDJSON here: a JSON body would be parsed whole, up to this route's large limit. The parser
  // hands the request stream on as it is; runImport reads it a line at a time.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(NDJSON, (_request, payload, done) => done(null, payload));

  // On shutdown, imports in progress stop reading, commit the lines they hold and answer (marked interrupted).
  const stop = new AbortController();
  app.addHook('preClose', async () => stop.abort());
  const run = (body: AsyncIterable<Buffer>, opts: ImportOptions, sink: ResultSink) =>
    deps.importThread ? runImportInThread(deps.importThread, body, opts, sink) : runImport(deps.importDeps, body, opts, sink);

  app.post('/import', {
    config: { scope: 'write' },
    bodyLimit: deps.bodyLimit,
    // Typed against the route's schema object; it handles each part's zod schema, like the app's compiler.
    validatorCompiler: streamedBody as never,
    schema: {
      tags,
      operationId: 'importContent',
      summary: 'Import sections, sources and articles from NDJSON',
      description: [
        'The body is NDJSON (`application/x-ndjson`): one `ImportRecord` per line, streamed, never held whole. Sections and sources upsert on `slug`, articles on `externalId` (on `slug` when they have none). A field a line leaves out is left as it is on an existing record; `relatedLinks` replaces the article’s links, and may name articles later in the file.',
        'Lines are applied in transactions of `batchSize` lines; a bad line is rolled back alone and reported with its line number and `{ pointer, message }` problems, the others go on. Re-running a file reports every line `unchanged` and changes nothing (no new version, no revision). If the connection drops, the batches already committed stay.',
        'The answer is 200 with an `ImportSummary` whenever the body could be read, even if lines failed; with `report=lines`, an NDJSON stream of `ImportLineResult`s ending with `{ "summary": … }` (or `{ "error": Problem }` if the import stopped).',
      ].join('\n\n'),
      consumes: [NDJSON],
      body: ImportRecord,
      querystring: ImportQuery,
      response: {
        200: {
          description: 'What happened to each line',
          content: { 'application/json': { schema: ImportSummary }, [NDJSON]: { schema: ImportReportLine } },
        },
      },
    },
    handler: async (request, reply) => {
      const q = request.query;
      if (Number(request.headers['content-length']) > deps.bodyLimit) throw bodyTooLarge(deps.bodyLimit);
      // The content-type parser above passed the request stream through; without a body there is nothing to read.
      const body = (request.body ?? []) as unknown as AsyncIterable<Buffer>;
      const opts: ImportOptions = {
        mode: q.mode,
        batchSize: q.batchSize,
        dryRun: q.dryRun === 'true',
        keyId: request.principal.keyId,
        limits: { maxBytes: deps.bodyLimit, maxLineBytes: deps.maxLineBytes },
        stop: stop.signal,
      };
      // The rest of an interrupted body is never read: once answered, its connection is dropped, or the server's close would wait for the client to finish sending.
      reply.raw.once('finish', () => stop.signal.aborted && setTimeout(() => request.raw.destroy(), 100).unref());
      if (q.report === 'summary') {
        const summary = createSummary();
        return reply.type('application/json').send(summary.finish(await run(body, opts, summary.add)));
      }
      const out = new PassThrough();
      reply.type(NDJSON).send(out as never); // streamed as results come; see the export route
      run(body, opts, (results) => out.write(results.map((r) => JSON.stringify(r) + '\n').join(''))).then(
        (totals) => out.end(JSON.stringify({ summary: totals }) + '\n'),
        (error: unknown) => out.end(errorLine(request, error)),
      );
      return reply;
    },
  });

  app.get('/export', {
    config: { scope: 'write' },
    schema: {
      tags,
      operationId: 'exportContent',
      summary: 'Export everything as NDJSON, in the import format',
      description:
        'Streams all sections (parents first), all sources, then the articles — drafts, scheduled, archived and trashed ones included, hence the write scope — with section, source and related links named by slug or externalId. Importing the file into an empty database reproduces the content. The filters narrow the articles only (sections and sources always come whole, so the file imports anywhere); a filtered file may name link targets it does not contain.',
      querystring: ExportQuery,
      response: { 200: { description: 'One ImportRecord per line', content: { [NDJSON]: { schema: ImportRecord } } } },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const filters: ExportFilters = {};
      const { sectionIds, sourceId } = await resolveFilterRefs(deps, q);
      if (sectionIds) filters.sectionIds = sectionIds;
      if (sourceId !== undefined) filters.sourceId = sourceId;
      if (q.updatedSince !== undefined) filters.updatedSince = Date.parse(q.updatedSince);
      // A stream: fastify pipes it as it is, the response schema only documents its lines.
      return reply.type(NDJSON).send(Readable.from(exportNdjson(deps.importDeps.store, filters)) as never);
    },
  });
};
