import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { decodeCursor, encodeCursor, fingerprint } from '../common/pagination.js';
import { after, orderBy, type Sort } from '../store/sqlite/keyset.js';
import { toIso, toIsoOrNull, type Clock } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';
import { isBusy, withoutWaiting } from '../store/sqlite/no-wait.js';
import { apiKeys, sections, sources } from '../store/sqlite/schema.js';
import { AppError, notFound, type FieldProblem } from '../common/errors.js';
import type { ApiKeyCreateInput, ApiKeyDto, KeyScopeName } from './schemas.js';

export type KeyRow = typeof apiKeys.$inferSelect;

/** Every secret starts with this, so a leaked one is recognisable (and secret scanners can find it). */
export const SECRET_PREFIX = 'mh_';
export const SECRET_MAX = 200;
const SHOWN_PREFIX = 10;
/** lastUsedAt moves at most this often per key: authentication is a hot path. */
const TOUCH_EVERY_MS = 60_000;
/** Uses not yet written wait at most this long, then go in together in one transaction. */
const FLUSH_EVERY_MS = 5_000;

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
export const newSecret = () => SECRET_PREFIX + randomBytes(32).toString('base64url');

export const toApiKey = (r: KeyRow): ApiKeyDto => ({
  id: r.id,
  name: r.name,
  scope: r.scope,
  prefix: r.prefix,
  sections: r.sections ?? null,
  sources: r.sources ?? null,
  createdAt: toIso(r.createdAt),
  lastUsedAt: toIsoOrNull(r.lastUsedAt),
  revokedAt: toIsoOrNull(r.revokedAt),
});

const BY_ID: Sort = { key: 'id', column: apiKeys.id, desc: false };

/** Writes the keys' lastUsedAt values (key id → epoch ms); throws when the database refuses (a full disk). */
export type LastUsedWriter = (uses: ReadonlyMap<number, number>) => void;

export type KeyStoreOptions = {
  cacheTtlMs?: number;
  /** How long uses wait before they are written (0: at once, still never failing the request). */
  flushMs?: number;
  writeLastUsed?: LastUsedWriter;
  /** Told when writing lastUsedAt failed; the uses are kept and tried again at the next flush. */
  onFlushError?: (error: unknown) => void;
};

/** The default writer: one UPDATE per key, all in one transaction, never waiting for another connection's lock. */
function lastUsedWriter(db: Db): LastUsedWriter {
  const update = db.$client.prepare('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?');
  const write = db.$client.transaction((uses: ReadonlyMap<number, number>) => {
    for (const [id, at] of uses) update.run(at, id);
  });
  return (uses) => withoutWaiting(db.$client, () => write(uses));
}

export function createKeyStore(db: Db, clock: Clock, opts: KeyStoreOptions = {}) {
  const ttl = opts.cacheTtlMs ?? 10_000;
  const flushMs = opts.flushMs ?? FLUSH_EVERY_MS;
  const writeLastUsed = opts.writeLastUsed ?? lastUsedWriter(db);
  const byHash = db.select().from(apiKeys).where(eq(apiKeys.secretHash, sql.placeholder('hash'))).prepare();
  const byId = db.select().from(apiKeys).where(eq(apiKeys.id, sql.placeholder('id'))).prepare();
  // Authenticated keys by secret hash, so a burst of requests with one key costs one query.
  const cache = new Map<string, { row: KeyRow; until: number }>();

  /** Every slug must name an existing section / source; the 400 points at each one that does not. */
  function checkSlugs(input: ApiKeyCreateInput) {
    const errors: FieldProblem[] = [];
    for (const field of ['sections', 'sources'] as const) {
      const slugs = input[field];
      if (!slugs) continue;
      if (input.scope !== 'read') {
        errors.push({ in: 'body', pointer: `/${field}`, message: `Only read keys can be limited to ${field}` });
        continue;
      }
      const table = field === 'sections' ? sections : sources;
      const known = new Set(db.select({ slug: table.slug }).from(table).where(inArray(table.slug, slugs)).all().map((r) => r.slug));
      slugs.forEach((s, i) => {
        if (!known.has(s)) errors.push({ in: 'body', pointer: `/${field}/${i}`, message: `No ${field === 'sections' ? 'section' : 'source'} has the slug ${s}` });
      });
    }
    if (errors.length > 0) throw new AppError('unknown-reference', `The key names ${errors.length} unknown or misplaced reference(s)`, { errors });
  }

  function insert(name: string, scope: KeyScopeName, secret: string, limits: Pick<ApiKeyCreateInput, 'sections' | 'sources'> = {}) {
    return db
      .insert(apiKeys)
      .values({
        name,
        scope,
        prefix: secret.slice(0, SHOWN_PREFIX),
        secretHash: hashSecret(secret),
        sections: limits.sections ?? null,
        sources: limits.sources ?? null,
        createdAt: clock(),
      })
      .returning()
      .get();
  }

  // Uses waiting to be written, by key id. lastUsedAt is bookkeeping: a read must not fail, nor
  // wait for a write, because of it (with a full disk a read key's GET answered 500).
  const unwritten = new Map<number, number>();
  let timer: NodeJS.Timeout | null = null;

  function flushLastUsed(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    if (unwritten.size === 0) return;
    const uses = new Map(unwritten);
    try {
      writeLastUsed(uses);
      for (const [id, at] of uses) if (unwritten.get(id) === at) unwritten.delete(id);
    } catch (error) {
      // Busy: an import's thread holds the write lock; the next flush gets in, nothing to report.
      if (!isBusy(error)) opts.onFlushError?.(error);
      if (flushMs > 0) {
        timer = setTimeout(flushLastUsed, flushMs);
        timer.unref();
      }
    }
  }

  function touch(row: KeyRow, now: number) {
    if (row.lastUsedAt !== null && now - row.lastUsedAt < TOUCH_EVERY_MS) return;
    row.lastUsedAt = now;
    unwritten.set(row.id, now);
    if (flushMs === 0) return flushLastUsed();
    if (timer) return;
    timer = setTimeout(flushLastUsed, flushMs);
    timer.unref();
  }

  return {
    /** Creates a key; the secret is in this answer only (the database keeps its hash). */
    async create(input: ApiKeyCreateInput): Promise<ApiKeyDto & { secret: string }> {
      const secret = newSecret();
      const row = db.transaction(() => {
        checkSlugs(input);
        return insert(input.name, input.scope, secret, input);
      });
      return { ...toApiKey(row), secret };
    },

    async get(id: number): Promise<ApiKeyDto> {
      const row = byId.get({ id });
      if (!row) throw notFound(`API key ${id}`);
      return toApiKey(row);
    },

    async list(opts: { limit: number; cursor?: string }): Promise<{ data: ApiKeyDto[]; nextCursor: string | null }> {
      const filters = fingerprint({});
      const where = [];
      if (opts.cursor) {
        const c = decodeCursor(opts.cursor, BY_ID, filters);
        where.push(after(BY_ID, apiKeys.id, c.v, c.id));
      }
      const rows = db.select().from(apiKeys).where(and(...where)).orderBy(...orderBy(BY_ID, apiKeys.id)).limit(opts.limit + 1).all();
      const page = rows.slice(0, opts.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > opts.limit && last ? encodeCursor(BY_ID, filters, last.id, last.id) : null;
      return { data: page.map(toApiKey), nextCursor };
    },

    /** Revokes a key at once (the cache forgets it too); revoking a revoked key changes nothing. */
    async revoke(id: number): Promise<ApiKeyDto> {
      const row = byId.get({ id });
      if (!row) throw notFound(`API key ${id}`);
      for (const [hash, entry] of cache) if (entry.row.id === id) cache.delete(hash);
      if (row.revokedAt !== null) return toApiKey(row);
      const revoked = db.update(apiKeys).set({ revokedAt: clock() }).where(eq(apiKeys.id, id)).returning().get();
      return toApiKey(revoked!);
    },

    /** The active key with this secret, or null. Only hashes are compared, in constant time. */
    async authenticate(secret: string): Promise<KeyRow | null> {
      const now = clock();
      const hash = hashSecret(secret);
      const cached = cache.get(hash);
      let row = cached && cached.until > now ? cached.row : byHash.get({ hash });
      if (!row || row.revokedAt !== null) {
        cache.delete(hash);
        return null;
      }
      // The lookup used the hash as an index key; compare once more without a timing side channel.
      if (!timingSafeEqual(Buffer.from(row.secretHash, 'hex'), Buffer.from(hash, 'hex'))) return null;
      if (!cached || cached.until <= now) cache.set(hash, { row, until: now + ttl });
      touch(row, now);
      return row;
    },

    /** Makes sure an admin key with this secret exists (MASTHEAD_ADMIN_KEY); a revoked one stays revoked. */
    async ensureAdminKey(secret: string): Promise<{ key: ApiKeyDto; outcome: 'created' | 'exists' | 'revoked' }> {
      const existing = byHash.get({ hash: hashSecret(secret) });
      if (existing) {
        if (existing.revokedAt !== null) return { key: toApiKey(existing), outcome: 'revoked' };
        if (existing.scope !== 'admin') db.update(apiKeys).set({ scope: 'admin', sections: null, sources: null }).where(eq(apiKeys.id, existing.id)).run();
        return { key: toApiKey(byId.get({ id: existing.id })!), outcome: 'exists' };
      }
      return { key: toApiKey(insert('MASTHEAD_ADMIN_KEY', 'admin', secret)), outcome: 'created' };
    },

    /** Creates an admin key with a new secret (the first-run key); the secret is returned once. */
    async createAdminKey(name: string): Promise<ApiKeyDto & { secret: string }> {
      const secret = newSecret();
      return { ...toApiKey(insert(name, 'admin', secret)), secret };
    },

    /** Writes the uses still waiting (the app calls it on close); a failure goes to onFlushError. */
    flushLastUsed,

    /** How many keys exist, revoked ones included. */
    async count(): Promise<number> {
      return db.select({ n: count() }).from(apiKeys).get()!.n;
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;
