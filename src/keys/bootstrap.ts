import type { FastifyBaseLogger } from 'fastify';
import type { KeyService } from './service.js';

export type BootstrapOutcome = 'admin-key-created' | 'admin-key-exists' | 'admin-key-revoked' | 'first-key-created' | 'nothing';

/**
 * Start-up: MASTHEAD_ADMIN_KEY makes sure an admin key with that secret exists (Docker, scripts).
 * Without it, a database with no key at all gets one admin key, whose secret is logged this once
 * — the only place a secret is ever logged, so it sits in the message (redaction only blanks fields).
 */
export async function bootstrapKeys(
  keys: Pick<KeyService, 'ensureAdminKey' | 'createFirstAdminKey'>,
  adminSecret: string | null,
  log: FastifyBaseLogger,
): Promise<BootstrapOutcome> {
  if (adminSecret) {
    const { key, outcome } = await keys.ensureAdminKey(adminSecret);
    if (outcome === 'revoked') {
      log.warn({ keyId: key.id }, 'MASTHEAD_ADMIN_KEY names a revoked key: it stays revoked; set another secret or remove the variable');
      return 'admin-key-revoked';
    }
    log.info({ keyId: key.id, prefix: key.prefix }, outcome === 'created' ? 'created the admin key from MASTHEAD_ADMIN_KEY' : 'MASTHEAD_ADMIN_KEY: admin key present');
    return outcome === 'created' ? 'admin-key-created' : 'admin-key-exists';
  }
  const key = await keys.createFirstAdminKey('first admin key');
  if (!key) return 'nothing';
  log.warn(
    `No API key existed, so an admin key was created. Its secret is shown this once; keep it now (a password manager, your deployment's secrets): ${key.secret} — ` +
      `use it as "Authorization: Bearer <secret>" to create other keys (POST /v1/keys or \`masthead keys create\`).`,
  );
  return 'first-key-created';
}
