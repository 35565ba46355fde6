import { systemClock, type Clock } from '../common/time.js';
import type { Store } from '../store/port.js';
import { AppError } from '../common/errors.js';
import { ApiKeyCreate, type ApiKeyDto } from '../keys/schemas.js';
import { createKeyService } from '../keys/service.js';
import { parseCommandLine, UsageError } from './args.js';
import { KEYS_USAGE } from './usage.js';

export type CliIo = { out: (line: string) => void; err: (line: string) => void };

const slugs = (csv: string | undefined) => (csv === undefined ? undefined : csv.split(',').map((s) => s.trim()).filter(Boolean));

async function create(args: string[], store: Store, io: CliIo, clock: Clock): Promise<number> {
  const { values } = parseCommandLine({
    args,
    options: { name: { type: 'string' }, scope: { type: 'string' }, sections: { type: 'string' }, sources: { type: 'string' } },
  });
  const parsed = ApiKeyCreate.safeParse({ name: values.name, scope: values.scope, sections: slugs(values.sections), sources: slugs(values.sources) });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const flag = String(issue.path[0] ?? 'name') as keyof typeof values;
      io.err(`--${flag}: ${values[flag] === undefined ? 'is required' : issue.message}`);
    }
    return 2;
  }
  const key = await createKeyService(store, clock).create(parsed.data);
  io.out(`Created ${key.scope} key ${key.id} (${key.name}).`);
  io.out(`Secret (shown only this once; keep it now): ${key.secret}`);
  io.out(`Send it as: Authorization: Bearer ${key.secret}`);
  return 0;
}

const limitsOf = (k: ApiKeyDto) =>
  [k.sections && `sections=${k.sections.join(',')}`, k.sources && `sources=${k.sources.join(',')}`].filter(Boolean).join(' ') || '-';

/** Fixed-width columns, so the list reads in a terminal. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

async function list(store: Store, io: CliIo, clock: Clock): Promise<number> {
  const service = createKeyService(store, clock);
  const keys: ApiKeyDto[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await service.list({ limit: 100, cursor });
    keys.push(...page.data);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  if (keys.length === 0) {
    io.out('No API keys.');
    return 0;
  }
  const head = ['ID', 'NAME', 'SCOPE', 'PREFIX', 'LIMITS', 'CREATED', 'LAST USED', 'REVOKED'];
  const rows = keys.map((k) => [String(k.id), k.name, k.scope, `${k.prefix}…`, limitsOf(k), k.createdAt, k.lastUsedAt ?? '-', k.revokedAt ?? '-']);
  table([head, ...rows]).forEach((line) => io.out(line));
  return 0;
}

async function revoke(args: string[], store: Store, io: CliIo, clock: Clock): Promise<number> {
  const [raw, ...extra] = args;
  if (!raw || extra.length > 0 || !/^[1-9]\d{0,15}$/.test(raw)) {
    io.err('Usage: masthead keys revoke ID (the number `masthead keys list` shows)');
    return 2;
  }
  const key = await createKeyService(store, clock).revoke(Number(raw));
  io.out(`Revoked key ${key.id} (${key.name}) at ${key.revokedAt}.`);
  return 0;
}

/** `masthead keys …` on an open, migrated store; returns the exit code. */
export async function keysCommand(argv: string[], store: Store, io: CliIo, clock: Clock = systemClock): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'create') return await create(rest, store, io, clock);
    if (sub === 'list') {
      parseCommandLine({ args: rest, options: {} });
      return await list(store, io, clock);
    }
    if (sub === 'revoke') return await revoke(rest, store, io, clock);
  } catch (error) {
    // The store's errors (unknown section slug, unknown key id) are the user's to fix: say so plainly.
    if (error instanceof AppError) {
      io.err(error.message);
      for (const e of error.extra.errors ?? []) io.err(`  ${e.pointer}: ${e.message}`);
      return 1;
    }
    if (error instanceof UsageError) {
      io.err(error.message);
      io.err(`\nUsage:\n${KEYS_USAGE}`);
      return 2;
    }
    throw error;
  }
  io.err(sub === undefined ? 'masthead keys needs a subcommand: create, list or revoke' : `unknown subcommand: keys ${sub}`);
  io.err(`\nUsage:\n${KEYS_USAGE}`);
  return 2;
}
