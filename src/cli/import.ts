import { createReadStream, existsSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import { systemClock } from '../common/time.js';
import { openStore } from '../store/open.js';
import { createImportDeps } from '../transfer/deps.js';
import { runImport } from '../transfer/import.js';
import { createSummary } from '../transfer/report.js';
import { ImportQuery, type ImportSummaryDto } from '../transfer/schemas.js';
import type { CliIo } from './keys.js';
import { createProgress, type ProgressStream } from './progress.js';

export const IMPORT_USAGE = `  masthead import FILE|- [--mode upsert|create-only|update-only] [--batch-size N] [--dry-run]
                 [--url URL --key KEY | --database PATH]
                                 import NDJSON (- reads stdin), into a server or straight into a database file
                                 (default DATABASE_PATH); exit code 1 when any line failed`;

export type TransferIo = CliIo & { progress: ProgressStream; stdin: NodeJS.ReadableStream };
export type TransferEnv = { databasePath: string };

const MAX_LINE_BYTES = 5 * 1024 * 1024;
const SHOWN_ERRORS = 20;

function report(summary: ImportSummaryDto, io: CliIo): number {
  const { created, updated, unchanged, failed, lines, dryRun } = summary;
  io.out(`${dryRun ? 'dry run, nothing written: ' : ''}${created} created, ${updated} updated, ${unchanged} unchanged, ${failed} failed (${lines} lines)`);
  for (const e of summary.errors.slice(0, SHOWN_ERRORS)) {
    const key = e.externalId ?? e.slug;
    for (const p of e.problems) io.err(`line ${e.line}${e.type ? ` (${e.type}${key ? ` ${key}` : ''})` : ''}: ${p.pointer || '/'}: ${p.message}`);
  }
  if (failed > SHOWN_ERRORS) io.err(`… and ${failed - SHOWN_ERRORS} more failed lines (use the API with report=lines for all of them)`);
  return failed > 0 ? 1 : 0;
}

/** Counts the lines going past, for the progress line of an upload. */
function lineCounter(onLines: (lines: number) => void) {
  let lines = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      onLines(lines);
      done(null, chunk);
    },
  });
}

async function viaServer(input: NodeJS.ReadableStream, query: URLSearchParams, url: string, key: string, io: TransferIo): Promise<number> {
  const progress = createProgress(io.progress, 'sent');
  let sent = 0;
  const body = Readable.from(input).pipe(lineCounter((n) => progress.update({ lines: (sent = n), errors: 0 })));
  const res = await fetch(`${url.replace(/\/+$/, '')}/v1/import?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(body) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const answer = (await res.json().catch(() => null)) as (ImportSummaryDto & { detail?: string }) | null;
  progress.done({ lines: sent, errors: answer?.failed ?? 0 });
  if (res.status !== 200 || !answer) {
    io.err(`The server answered ${res.status}: ${answer?.detail ?? res.statusText}`);
    return 1;
  }
  return report(answer, io);
}

async function direct(input: NodeJS.ReadableStream, query: ReturnType<typeof ImportQuery.parse>, databasePath: string, io: TransferIo): Promise<number> {
  const { store } = await openStore({ databasePath });
  try {
    const progress = createProgress(io.progress, 'imported');
    const summary = createSummary();
    const state = { lines: 0, errors: 0 };
    const opts = { mode: query.mode, batchSize: query.batchSize, dryRun: query.dryRun === 'true', keyId: null, limits: { maxBytes: Number.MAX_SAFE_INTEGER, maxLineBytes: MAX_LINE_BYTES } };
    const totals = await runImport(createImportDeps(store, systemClock), input as AsyncIterable<Buffer>, opts, (results) => {
      summary.add(results);
      for (const r of results) state.lines = Math.max(state.lines, r.line);
      state.errors += results.filter((r) => r.status === 'failed').length;
      progress.update(state);
    });
    progress.done({ lines: totals.lines, errors: totals.failed });
    return report(summary.finish(totals), io);
  } finally {
    await store.close();
  }
}

/** `masthead import`: the same validation and storage code as POST /v1/import, over HTTP or on the file itself. */
export async function importCommand(args: string[], io: TransferIo, env: TransferEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      database: { type: 'string' },
      mode: { type: 'string' },
      'batch-size': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  const parsed = ImportQuery.safeParse({ mode: values.mode, batchSize: values['batch-size'], dryRun: String(values['dry-run']) });
  if (positionals.length !== 1 || !file || !parsed.success || (values.url !== undefined) !== (values.key !== undefined) || (values.url && values.database)) {
    io.err(`usage:\n${IMPORT_USAGE}`);
    if (parsed.error) for (const issue of parsed.error.issues) io.err(`--${String(issue.path[0])}: ${issue.message}`);
    return 2;
  }
  if (file !== '-' && !existsSync(file)) {
    io.err(`${file}: no such file`);
    return 2;
  }
  const input = file === '-' ? io.stdin : createReadStream(file);
  if (values.url !== undefined) {
    const query = new URLSearchParams({ mode: parsed.data.mode, batchSize: String(parsed.data.batchSize), dryRun: parsed.data.dryRun });
    return viaServer(input, query, values.url, values.key!, io);
  }
  return direct(input, parsed.data, values.database ?? env.databasePath, io);
}
