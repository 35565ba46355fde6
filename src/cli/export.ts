import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { systemClock } from '../common/time.js';
import { openStore, storeName } from '../store/open.js';
import type { Store } from '../store/port.js';
import { createStores } from '../stores.js';
import { exportNdjson, type ExportFilters } from '../transfer/export.js';
import { ExportQuery } from '../transfer/schemas.js';
import { parseCommandLine, parseTimeFlag, TIME_FLAG_NEEDS, UsageError } from './args.js';
import { guard, onDatabase } from './failure.js';
import type { TransferEnv, TransferIo } from './import.js';
import { createProgress } from './progress.js';
import { bodyOf, callServer, refusal, serverUrl } from './remote.js';
import { EXPORT_USAGE } from './usage.js';

type Out = NodeJS.WritableStream;

async function filtersOf(store: Store, q: ReturnType<typeof ExportQuery.parse>): Promise<ExportFilters | string> {
  const filters: ExportFilters = {};
  const { sections, sources } = createStores(store, systemClock);
  if (q.section !== undefined) {
    const section = await sections.resolve(q.section);
    if (!section) return `--section: no section has the id or slug ${q.section}`;
    filters.sectionIds = await sections.descendantIds(section.id);
  }
  if (q.source !== undefined) {
    const source = await sources.resolve(q.source);
    if (!source) return `--source: no source has the id or slug ${q.source}`;
    filters.sourceId = source.id;
  }
  if (q.updatedSince !== undefined) filters.updatedSince = Date.parse(q.updatedSince);
  return filters;
}

/** Counts the records of an export by type as its text goes past (each line starts {"type":"…"). */
function recordCounter() {
  const counts = new Map<string, number>();
  const decoder = new TextDecoder();
  let tail = '';
  const count = (line: string) => {
    const type = /^\{"type":"(\w+)"/.exec(line)?.[1] ?? 'other';
    counts.set(type, (counts.get(type) ?? 0) + 1);
  };
  return {
    add(chunk: string | Uint8Array): number {
      const text = tail + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      const lines = text.split('\n');
      tail = lines.pop()!;
      lines.forEach(count);
      return lines.length;
    },
    /** "14 sections, 1 source, 16 articles"; empty before the first line */
    describe: () => [...counts].map(([type, n]) => `${n.toLocaleString('en')} ${type}${n === 1 ? '' : 's'}`).join(', '),
  };
}

/** Writes chunks, waiting for 'drain', so that a slow disk or pipe keeps memory flat. */
async function writeAll(chunks: AsyncIterable<string | Uint8Array> | Iterable<string>, out: Out, io: TransferIo, label: string): Promise<number> {
  const progress = createProgress(io.progress, label);
  const records = recordCounter();
  let failed: Error | null = null;
  const onError = (error: Error) => (failed ??= error);
  out.on('error', onError);
  let lines = 0;
  try {
    for await (const chunk of chunks) {
      lines += records.add(chunk);
      progress.update({ lines, detail: records.describe() });
      if (failed) throw failed;
      if (!out.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk))) await once(out, 'drain');
      if (failed) throw failed;
    }
  } finally {
    out.off('error', onError);
  }
  progress.done({ lines, detail: records.describe() });
  return lines;
}

function parse(args: string[]) {
  const { values } = parseCommandLine({
    args,
    options: {
      out: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      database: { type: 'string' },
      section: { type: 'string' },
      source: { type: 'string' },
      'updated-since': { type: 'string' },
    },
  });
  if ((values.url === undefined) !== (values.key === undefined)) throw new UsageError('--url and --key go together: the server, and a write key for it');
  if (values.url !== undefined && values.database !== undefined) throw new UsageError('--url (a server) or --database (a file), not both');
  const since = values['updated-since'];
  const updatedSince = since === undefined ? undefined : parseTimeFlag(since);
  if (updatedSince === null) throw new UsageError(`--updated-since: ${TIME_FLAG_NEEDS}; got ${JSON.stringify(since)}`);
  const parsed = ExportQuery.safeParse({ section: values.section, source: values.source, updatedSince });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--${String(issue.path[0])}: ${issue.message}`);
  }
  return { query: parsed.data, out: values.out, url: values.url, key: values.key, database: values.database };
}

/** Opens the output file before anything is read, so that a bad path is one line and not an unhandled 'error'. */
async function openOut(path: string) {
  const file = createWriteStream(path);
  await once(file, 'open');
  return file;
}

/** The export from a server, or read straight from a database file, into `out`; the exit code. */
async function exportTo(out: Out, label: string, options: ReturnType<typeof parse>, io: TransferIo, env: TransferEnv): Promise<number> {
  if (options.url !== undefined) {
    const target = serverUrl(options.url, '/v1/export');
    target.search = String(new URLSearchParams(Object.entries(options.query).filter(([, v]) => v !== undefined) as [string, string][]));
    const res = await callServer(target, { headers: { authorization: `Bearer ${options.key}` } });
    if (res.status !== 200) throw await refusal(res);
    await writeAll(bodyOf(res, target), out, io, label);
    return 0;
  }
  const where = options.database === undefined ? env : { databasePath: options.database };
  return onDatabase(storeName(where), async () => {
    const { store } = await openStore(where);
    try {
      const filters = await filtersOf(store, options.query);
      if (typeof filters === 'string') {
        io.err(filters);
        return 2;
      }
      await writeAll(exportNdjson(store, filters), out, io, label);
      return 0;
    } finally {
      await store.close();
    }
  });
}

/** `masthead export`: GET /v1/export from a server, or the same export read straight from a database file. */
export function exportCommand(args: string[], io: TransferIo & { stdout: Out }, env: TransferEnv): Promise<number> {
  return guard(io, EXPORT_USAGE, async () => {
    const options = parse(args);
    if (options.url !== undefined) serverUrl(options.url, '/v1/export');
    if (options.out === undefined || options.out === '-') return exportTo(io.stdout, 'exported', options, io, env);
    const file = await openOut(options.out);
    try {
      const code = await exportTo(file, `exported to ${options.out}`, options, io, env);
      file.end();
      await finished(file);
      return code;
    } finally {
      file.destroy();
    }
  });
}
