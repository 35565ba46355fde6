import { createReadStream, statSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { systemClock } from '../common/time.js';
import { openStore, storeName, type StoreConfig } from '../store/open.js';
import { createImportDeps } from '../transfer/deps.js';
import { runImport } from '../transfer/import.js';
import { createSummary } from '../transfer/report.js';
import { ImportQuery, type ImportSummaryDto } from '../transfer/schemas.js';
import { flagOf, parseCommandLine, UsageError } from './args.js';
import { guard, onDatabase } from './failure.js';
import type { CliIo } from './keys.js';
import { createProgress, type ProgressStream } from './progress.js';
import { callServer, refusal, serverUrl } from './remote.js';
import { IMPORT_USAGE } from './usage.js';


export type TransferIo = CliIo & { progress: ProgressStream; stdin: NodeJS.ReadableStream };
/** The configured store (DATABASE_URL, else DATABASE_PATH); `--database FILE` names a SQLite file instead. */
export type TransferEnv = StoreConfig;

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

async function viaServer(input: NodeJS.ReadableStream, url: URL, key: string, io: TransferIo): Promise<number> {
  const progress = createProgress(io.progress, 'sent');
  let sent = 0;
  const body = Readable.from(input).pipe(lineCounter((n) => progress.update({ lines: (sent = n) })));
  const res = await callServer(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(body) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  progress.done({ lines: sent });
  if (res.status !== 200) throw await refusal(res);
  const answer = (await res.json().catch(() => null)) as ImportSummaryDto | null;
  if (!answer) throw await refusal(res);
  return report(answer, io);
}

async function direct(input: NodeJS.ReadableStream, query: ReturnType<typeof ImportQuery.parse>, where: StoreConfig, io: TransferIo): Promise<number> {
  const { store } = await openStore(where);
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

/** What a refused flag needs, in the words of the command line rather than the API's. */
const NEEDS: Record<string, string> = {
  mode: 'needs upsert, create-only or update-only',
  batchSize: 'needs a whole number from 1 to 10000',
};

function parse(args: string[]) {
  const { values, positionals } = parseCommandLine({
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
  if (positionals.length === 0) throw new UsageError('masthead import needs a file to read (or - for stdin)');
  if (positionals.length > 1) throw new UsageError(`masthead import reads one file; got ${positionals.length}: ${positionals.join(' ')}`);
  if ((values.url === undefined) !== (values.key === undefined)) throw new UsageError('--url and --key go together: the server, and a write key for it');
  if (values.url !== undefined && values.database !== undefined) throw new UsageError('--url (a server) or --database (a file), not both');
  const parsed = ImportQuery.safeParse({ mode: values.mode, batchSize: values['batch-size'], dryRun: String(values['dry-run']) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0]);
    throw new UsageError(`${flagOf(field)}: ${NEEDS[field] ?? issue.message}`);
  }
  return { file: positionals[0]!, query: parsed.data, url: values.url, key: values.key, database: values.database };
}

/** `masthead import`: the same validation and storage code as POST /v1/import, over HTTP or on the file itself. */
export function importCommand(args: string[], io: TransferIo, env: TransferEnv): Promise<number> {
  return guard(io, IMPORT_USAGE, async () => {
    const { file, query, url, key, database } = parse(args);
    const target = url === undefined ? null : serverUrl(url, '/v1/import');
    const stat = file === '-' ? null : statSync(file, { throwIfNoEntry: false });
    if (file !== '-' && !stat?.isFile()) {
      io.err(`${file}: ${stat ? 'not a file' : 'no such file'}`);
      return 2;
    }
    const input = file === '-' ? io.stdin : createReadStream(file);
    if (target) {
      target.search = String(new URLSearchParams({ mode: query.mode, batchSize: String(query.batchSize), dryRun: query.dryRun }));
      return viaServer(input, target, key!, io);
    }
    const where = database === undefined ? env : { databasePath: database };
    return onDatabase(storeName(where), () => direct(input, query, where, io));
  });
}
