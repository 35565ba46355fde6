/** What a route requires: `public` routes are open to anonymous readers (while public read is on). */
export type Scope = 'public' | 'read' | 'write' | 'admin';

/** Who is asking. Anonymous readers have no key and the `public` scope. */
export type Principal = {
  keyId: number | null;
  scope: Scope;
  /** A partner key limited to these section / source slugs; null means no limit. */
  sections: string[] | null;
  sources: string[] | null;
};

export const ANONYMOUS: Principal = { keyId: null, scope: 'public', sections: null, sources: null };

const RANK: Record<Scope, number> = { public: 0, read: 1, write: 2, admin: 3 };
export const hasScope = (p: Principal, needed: Scope) => RANK[p.scope] >= RANK[needed];
/** Editors (write and admin keys) see drafts, scheduled, archived and trashed content. */
export const isEditor = (p: Principal) => hasScope(p, 'write');

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** The least scope a caller needs; every route must declare one. */
    scope?: Scope;
  }
}
