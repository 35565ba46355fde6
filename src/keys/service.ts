import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, notFound, type FieldProblem } from '../common/errors.js';
import { keysetPage } from '../common/pagination.js';
import { toIso, toIsoOrNull, type Clock } from '../common/time.js';
import type { KeyRow, KeyScope, Store, Tx } from '../store/port.js';
import type { ApiKeyCreateInput, ApiKeyDto } from './schemas.js';

export type { KeyRow } from '../store/port.js';

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

/** Writes the keys' lastUsedAt values (key id → epoch ms); throws (or rejects) when the database refuses (a full disk). */
export type LastUsedWriter = (uses: ReadonlyMap<number, number>) => void | Promise<void>;

export type KeyServiceOptions = {
  cacheTtlMs?: number;
  /** How long uses wait before they are written (0: at once, still never failing the request). */
  flushMs?: number;
  writeLastUsed?: LastUsedWriter;
  /** Told when writing lastUsedAt failed; the uses are kept and tried again at the next flush. */
  onFlushError?: (error: unknown) => void;
};

/** Another writer (an import's thread) holds the lock: the next flush gets in, nothing to report. */
const isBusy = (error: unknown) => error instanceof AppError && error.code === 'database-busy';

/** API keys: creation and its checks, revocation, and authentication with its in-process cache. */
export function createKeyService(store: Store, clock: Clock, opts: KeyServiceOptions = {}) {
  const ttl = opts.cacheTtlMs ?? 10_000;
  const flushMs = opts.flushMs ?? FLUSH_EVERY_MS;
  // One unit for all the uses waiting, never waiting for another writer's lock.
  const writeLastUsed: LastUsedWriter = opts.writeLastUsed ?? ((uses) => store.write((tx) => tx.keys.recordUses(uses), { wait: false }));
  // Authenticated keys by secret hash, so a burst of requests with one key costs one query.
  const cache = new Map<string, { row: KeyRow; until: number }>();

  /** Every slug must name an existing section / source; the 400 points at each one that does not. */
  async function checkSlugs(tx: Tx, input: ApiKeyCreateInput) {
    const errors: FieldProblem[] = [];
    for (const field of ['sections', 'sources'] as const) {
      const slugs = input[field];
      if (!slugs) continue;
      if (input.scope !== 'read') {
        errors.push({ in: 'body', pointer: `/${field}`, message: `Only read keys can be limited to ${field}` });
        continue;
      }
      const repo = field === 'sections' ? tx.sections : tx.sources;
      for (const [i, s] of slugs.entries()) {
        if (!(await repo.bySlug(s))) errors.push({ in: 'body', pointer: `/${field}/${i}`, message: `No ${field === 'sections' ? 'section' : 'source'} has the slug ${s}` });
      }
    }
    if (errors.length > 0) throw new AppError('unknown-reference', `The key names ${errors.length} unknown or misplaced reference(s)`, { errors });
  }

  const insert = (tx: Tx, name: string, scope: KeyScope, secret: string, limits: Pick<ApiKeyCreateInput, 'sections' | 'sources'> = {}) =>
    tx.keys.insert({
      name,
      scope,
      prefix: secret.slice(0, SHOWN_PREFIX),
      secretHash: hashSecret(secret),
      sections: limits.sections ?? null,
      sources: limits.sources ?? null,
      createdAt: clock(),
    });

  // Uses waiting to be written, by key id. lastUsedAt is bookkeeping: a read must not fail, nor
  // wait for a write, because of it (with a full disk a read key's GET answered 500).
  const unwritten = new Map<number, number>();
  let timer: NodeJS.Timeout | null = null;

  async function flushLastUsed(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (unwritten.size === 0) return;
    const uses = new Map(unwritten);
    try {
      await writeLastUsed(uses);
      for (const [id, at] of uses) if (unwritten.get(id) === at) unwritten.delete(id);
    } catch (error) {
      if (!isBusy(error)) opts.onFlushError?.(error);
      if (flushMs > 0 && !timer) {
        timer = setTimeout(() => void flushLastUsed(), flushMs);
        timer.unref();
      }
    }
  }

  function touch(row: KeyRow, now: number) {
    if (row.lastUsedAt !== null && now - row.lastUsedAt < TOUCH_EVERY_MS) return;
    row.lastUsedAt = now;
    unwritten.set(row.id, now);
    if (flushMs === 0) return void flushLastUsed();
    if (timer) return;
    timer = setTimeout(() => void flushLastUsed(), flushMs);
    timer.unref();
  }

  return {
    /** Creates a key; the secret is in this answer only (the database keeps its hash). */
    async create(input: ApiKeyCreateInput): Promise<ApiKeyDto & { secret: string }> {
      const secret = newSecret();
      const row = await store.write(async (tx) => {
        await checkSlugs(tx, input);
        return insert(tx, input.name, input.scope, secret, input);
      });
      return { ...toApiKey(row), secret };
    },

    async get(id: number): Promise<ApiKeyDto> {
      const row = await store.keys.byId(id);
      if (!row) throw notFound(`API key ${id}`);
      return toApiKey(row);
    },

    async list(query: { limit: number; cursor?: string }): Promise<{ data: ApiKeyDto[]; nextCursor: string | null }> {
      const { rows, nextCursor } = await keysetPage('id', {}, query, (r: KeyRow) => r.id, (after, limit) => store.keys.page(after, limit));
      return { data: rows.map(toApiKey), nextCursor };
    },

    /** Revokes a key at once (this process's cache forgets it too); revoking a revoked key changes nothing. */
    async revoke(id: number): Promise<ApiKeyDto> {
      const row = await store.write((tx) => tx.keys.revoke(id, clock()));
      if (!row) throw notFound(`API key ${id}`);
      for (const [hash, entry] of cache) if (entry.row.id === id) cache.delete(hash);
      return toApiKey(row);
    },

    /** The active key with this secret, or null. Only hashes are compared, in constant time. */
    async authenticate(secret: string): Promise<KeyRow | null> {
      const now = clock();
      const hash = hashSecret(secret);
      const cached = cache.get(hash);
      const row = cached && cached.until > now ? cached.row : await store.keys.bySecretHash(hash);
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
      return store.write(async (tx) => {
        await tx.keys.hold();
        const existing = await tx.keys.bySecretHash(hashSecret(secret));
        if (!existing) return { key: toApiKey(await insert(tx, 'MASTHEAD_ADMIN_KEY', 'admin', secret)), outcome: 'created' as const };
        if (existing.revokedAt !== null) return { key: toApiKey(existing), outcome: 'revoked' as const };
        const admin = existing.scope === 'admin' ? existing : await tx.keys.update(existing.id, { scope: 'admin', sections: null, sources: null });
        return { key: toApiKey(admin!), outcome: 'exists' as const };
      });
    },

    /** The first-run key: an admin key with a new secret when no key exists at all (revoked ones count), else null. One per database, however many nodes start at once. */
    async createFirstAdminKey(name: string): Promise<(ApiKeyDto & { secret: string }) | null> {
      const secret = newSecret();
      const key = await store.write(async (tx) => {
        await tx.keys.hold();
        return (await tx.keys.count()) > 0 ? null : insert(tx, name, 'admin', secret);
      });
      return key ? { ...toApiKey(key), secret } : null;
    },

    /** Writes the uses still waiting (the app calls it on close); a failure goes to onFlushError. */
    flushLastUsed,

    /** How many keys exist, revoked ones included. */
    count: (): Promise<number> => store.keys.count(),
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
