import type { KeyRepo, KeyRow } from '../port.js';
import type { Db } from './connection.js';
import { translating } from './constraints.js';

const COLUMNS =
  'id, name, scope, prefix, secret_hash AS secretHash, sections, sources, created_at AS createdAt, last_used_at AS lastUsedAt, revoked_at AS revokedAt';

type Raw = Omit<KeyRow, 'sections' | 'sources'> & { sections: string | null; sources: string | null };

/** The slug limits are JSON text in SQLite. */
const fromRaw = (raw: unknown): KeyRow | undefined => {
  if (!raw) return undefined;
  const r = raw as Raw;
  return { ...r, sections: r.sections === null ? null : (JSON.parse(r.sections) as string[]), sources: r.sources === null ? null : (JSON.parse(r.sources) as string[]) };
};
const json = (list: string[] | null | undefined) => (list === undefined ? undefined : list === null ? null : JSON.stringify(list));

/** API keys (api_keys). The by-hash read is every uncached request's: prepared once, on the unique index. */
export function createKeyRepo(db: Db): KeyRepo {
  const sqlite = db.$client;
  const byId = sqlite.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`);
  const byHash = sqlite.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE secret_hash = ?`);
  const first = sqlite.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY id LIMIT ?`);
  const after = sqlite.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE id > ? ORDER BY id LIMIT ?`);
  const count = sqlite.prepare('SELECT count(*) FROM api_keys').pluck();
  const insert = sqlite.prepare(
    `INSERT INTO api_keys (name, scope, prefix, secret_hash, sections, sources, created_at) VALUES (@name, @scope, @prefix, @secretHash, @sections, @sources, @createdAt) RETURNING ${COLUMNS}`,
  );
  // Only the columns given change: coalesce cannot tell "set to null" from "leave", so the limits carry a flag each.
  const update = sqlite.prepare(
    `UPDATE api_keys SET scope = coalesce(@scope, scope),
       sections = CASE WHEN @setSections THEN @sections ELSE sections END,
       sources = CASE WHEN @setSources THEN @sources ELSE sources END
     WHERE id = @id RETURNING ${COLUMNS}`,
  );
  const revoke = sqlite.prepare(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING ${COLUMNS}`);
  const touch = sqlite.prepare('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?');
  return {
    byId: async (id) => fromRaw(byId.get(id)),
    bySecretHash: async (hash) => fromRaw(byHash.get(hash)),
    page: async (at, limit) => (at ? after.all(at.id, limit) : first.all(limit)).map((r) => fromRaw(r)!),
    count: async () => count.get() as number,
    // Units run one at a time on the write connection already (BEGIN IMMEDIATE).
    hold: async () => undefined,
    insert: async (values) => translating(() => fromRaw(insert.get({ ...values, sections: json(values.sections), sources: json(values.sources) }))!),
    update: async (id, patch) =>
      fromRaw(
        update.get({
          id,
          scope: patch.scope ?? null,
          setSections: patch.sections === undefined ? 0 : 1,
          sections: json(patch.sections) ?? null,
          setSources: patch.sources === undefined ? 0 : 1,
          sources: json(patch.sources) ?? null,
        }),
      ),
    revoke: async (id, at) => fromRaw(revoke.get(at, id)),
    async recordUses(uses) {
      for (const [id, at] of uses) touch.run(at, id);
    },
  };
}
