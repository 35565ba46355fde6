import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { systemClock } from '../common/time.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/port.js';
import { createStores } from '../stores.js';
import { exportNdjson, type ExportFilters } from '../transfer/export.js';
import { ExportQuery } from '../transfer/schemas.js';
import type { TransferEnv, TransferIo } from './import.js';
import { createProgress } from './progress.js';

export const EXPORT_USAGE = `  masthead export [--out FILE] [--section S] [--source S] [--updated-since TIME]
                 [--url URL --key KEY | --database PATH]
                                 write everything as NDJSON in the import format (default: stdout)`;

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

/** Writes chunks, waiting for 'drain', so that a slow disk or pipe keeps memory flat. */
async function writeAll(chunks: AsyncIterable<string | Uint8Array> | Iterable<string>, out: Out, io: TransferIo): Promise<number> {
  const progress = createProgress(io.progress, 'exported');
  let lines = 0;
  for await (const chunk of chunks) {
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk);
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) lines++;
    progress.update({ lines, errors: 0 });
    if (!out.write(s)) await once(out, 'drain');
  }
  progress.done({ lines, errors: 0 });
  return lines;
}

/** `masthead export`: GET /v1/export from a server, or the same export read straight from a database file. */
export async function exportCommand(args: string[], io: TransferIo & { stdout: Out }, env: TransferEnv): Promise<number> {
  const { values } = parseArgs({
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
  const parsed = ExportQuery.safeParse({ section: values.section, source: values.source, updatedSince: values['updated-since'] });
  if (!parsed.success || (values.url !== undefined) !== (values.key !== undefined) || (values.url && values.database)) {
    io.err(`usage:\n${EXPORT_USAGE}`);
    if (parsed.error) for (const issue of parsed.error.issues) io.err(`--${String(issue.path[0])}: ${issue.message}`);
    return 2;
  }
  const file = values.out === undefined || values.out === '-' ? null : createWriteStream(values.out);
  const out = file ?? io.stdout;
  if (values.url !== undefined) {
    const query = new URLSearchParams(Object.entries(parsed.data).filter(([, v]) => v !== undefined) as [string, string][]);
    const res = await fetch(`${values.url.replace(/\/+$/, '')}/v1/export?${query}`, { headers: { authorization: `Bearer ${values.key}` } });
    if (res.status !== 200 || !res.body) {
      const problem = (await res.json().catch(() => null)) as { detail?: string } | null;
      io.err(`The server answered ${res.status}: ${problem?.detail ?? res.statusText}`);
      return 1;
    }
    await writeAll(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), out, io);
  } else {
    const { store } = await openStore({ databasePath: values.database ?? env.databasePath });
    try {
      const filters = await filtersOf(store, parsed.data);
      if (typeof filters === 'string') {
        io.err(filters);
        return 2;
      }
      await writeAll(exportNdjson(store.legacy.db, filters), out, io);
    } finally {
      await store.close();
    }
  }
  if (file) {
    file.end();
    await finished(file);
  }
  return 0;
}
