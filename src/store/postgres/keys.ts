import type { KeyRepo, KeyRow } from '../port.js';
import { row, rows, type Queryable } from './query.js';

const COLUMNS =
  'id, name, scope, prefix, secret_hash AS "secretHash", sections, sources, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"';

/** The slug limits are jsonb: sent as JSON text, read back as arrays. */
const json = (list: string[] | null | undefined) => (list === undefined || list === null ? null : JSON.stringify(list));

/** API keys (api_keys), as src/store/sqlite/keys.ts. The by-hash read is every uncached request's, on the unique index. */
export function createKeyRepo(q: Queryable): KeyRepo {
  return {
    byId: (id) => row<KeyRow>(q, `SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]),
    bySecretHash: (hash) => row<KeyRow>(q, `SELECT ${COLUMNS} FROM api_keys WHERE secret_hash = $1`, [hash]),
    page: (after, limit) =>
      after
        ? rows<KeyRow>(q, `SELECT ${COLUMNS} FROM api_keys WHERE id > $1 ORDER BY id LIMIT $2`, [after.id, limit])
        : rows<KeyRow>(q, `SELECT ${COLUMNS} FROM api_keys ORDER BY id LIMIT $1`, [limit]),
    count: async () => (await row<{ n: number }>(q, 'SELECT count(*) AS n FROM api_keys'))!.n,
    // SHARE ROW EXCLUSIVE conflicts with itself and with writers, not with readers: until the unit ends.
    hold: async () => void (await q.query('LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE')),
    async insert(v) {
      const inserted = await row<KeyRow>(
        q,
        `INSERT INTO api_keys (name, scope, prefix, secret_hash, sections, sources, created_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7) RETURNING ${COLUMNS}`,
        [v.name, v.scope, v.prefix, v.secretHash, json(v.sections), json(v.sources), v.createdAt],
      );
      return inserted!;
    },
    // Only the columns given change: coalesce cannot tell "set to null" from "leave", so the limits carry a flag each.
    update: (id, patch) =>
      row<KeyRow>(
        q,
        `UPDATE api_keys SET scope = coalesce($2, scope),
           sections = CASE WHEN $3::boolean THEN $4::jsonb ELSE sections END,
           sources = CASE WHEN $5::boolean THEN $6::jsonb ELSE sources END
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, patch.scope ?? null, patch.sections !== undefined, json(patch.sections), patch.sources !== undefined, json(patch.sources)],
      ),
    revoke: (id, at) => row<KeyRow>(q, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`, [id, at]),
    /**
     * One statement per key, in id order: two nodes flushing their batches at once lock the rows
     * in the same order, so they queue behind each other instead of deadlocking. GREATEST keeps
     * the later time when another node recorded a later use first.
     */
    async recordUses(uses) {
      for (const [id, at] of [...uses].sort((a, b) => a[0] - b[0])) {
        await q.query('UPDATE api_keys SET last_used_at = GREATEST(coalesce(last_used_at, 0), $2) WHERE id = $1', [id, at]);
      }
    },
  };
}
