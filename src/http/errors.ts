import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { AppError, ERROR_CATALOGUE, type ErrorCode, type FieldProblem } from '../common/errors.js';
import type { Contract } from './contract.js';
import { STATUS_TITLES, type ProblemBody } from './problem.js';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The title of a code from the catalogue (src/common/errors.ts); the status's reason phrase for fastify's own. */
function titleOf(status: number, code: string): string {
  const entry = (ERROR_CATALOGUE as Record<string, { status: number; title: string }>)[code];
  return entry?.status === status ? entry.title : (STATUS_TITLES[status] ?? 'Error');
}

export function problemBody(request: FastifyRequest, status: number, code: string, detail: string, extra: Partial<ProblemBody> = {}) {
  const body: ProblemBody = {
    type: `urn:masthead:problem:${code}`,
    title: titleOf(status, code),
    status,
    detail,
    instance: request.url.split('?')[0],
    code,
    requestId: String(request.id),
    ...extra,
  };
  return body;
}

function sendProblem(reply: FastifyReply, body: ProblemBody, headers: Record<string, string> = {}) {
  return reply.code(body.status).headers(headers).type('application/problem+json').send(body);
}

/** fastify's own client errors (bad JSON, media type, size …) keep their status; the code is made stable. */
function fastifyClientError(error: FastifyError): { status: number; code: string; detail: string } | null {
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) return null;
  const codes: Record<string, ErrorCode> = {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
    FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'empty-body',
    FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-json',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-content-length',
  };
  const code = codes[error.code] ?? (error instanceof SyntaxError ? 'malformed-json' : 'bad-request');
  return { status, code, detail: error.message };
}

/**
 * Problem details for every error, 404 and 405 for unknown routes and methods, and the error
 * answers each route can give merged into its schema so the document lists them (contract.ts).
 */
export const errorsPlugin = fp(
  async (app: FastifyInstance, opts: { contract: Contract }) => {
    const known = FindMyWay();
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      // CORS answers preflights on `OPTIONS *`; counting it would turn every unknown path into a 405.
      if (route.url === '*') return;
      for (const m of methods) {
        const method = m.toUpperCase() as HTTPMethod;
        if (!known.hasRoute(method, route.url)) known.on(method, route.url, () => {});
      }
      opts.contract.declare(route);
    });

    app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
      if (error instanceof AppError) {
        const extra: Partial<ProblemBody> = {};
        if (error.extra.errors) extra.errors = error.extra.errors;
        if (error.extra.currentVersion !== undefined) extra.currentVersion = error.extra.currentVersion;
        return sendProblem(reply, problemBody(request, error.status, error.code, error.message, extra), error.extra.headers);
      }
      const client = fastifyClientError(error);
      if (client) {
        if (client.status >= 500) request.log.error({ err: error }, 'request failed');
        const headers: Record<string, string> = {};
        if (client.status === 429 && reply.getHeader('retry-after')) headers['retry-after'] = String(reply.getHeader('retry-after'));
        return sendProblem(reply, problemBody(request, client.status, client.code, client.detail), headers);
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(reply, problemBody(request, 500, 'internal-error', 'An unexpected error occurred; it has been logged.'));
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const allowed = METHODS.filter((m) => m !== request.method && known.find(m, path) !== null);
      if (allowed.length > 0) {
        const body = problemBody(request, 405, 'method-not-allowed', `${request.method} is not allowed here; use ${allowed.join(', ')}`);
        return sendProblem(reply, body, { allow: allowed.join(', ') });
      }
      return sendProblem(reply, problemBody(request, 404, 'route-not-found', `No route matches ${request.method} ${path}`));
    });
  },
  { name: 'masthead-errors' },
);

export function fieldProblems(issues: { path: PropertyKey[]; message: string }[], part: FieldProblem['in']): FieldProblem[] {
  return issues.map((issue) => ({
    in: part,
    pointer: '/' + issue.path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/'),
    message: issue.message,
  }));
}
