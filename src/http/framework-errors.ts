import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { ERROR_CATALOGUE, type ErrorCode } from '../common/errors.js';
import type { ProblemBody } from './problem.js';

/**
 * The errors answered before any route runs, as problem+json with the security headers and a
 * request id like every other answer: a URL fastify cannot decode (`/v1/articles/%ZZ`) or with an
 * over-long parameter (414), and what Node's HTTP parser refuses (431 for too-large headers, 400
 * for raw non-ASCII bytes in the request target — curl sends those for a URL typed with Chinese
 * characters — and other malformed requests). No hook runs for these, so the headers are set here.
 */

type Known = { code: ErrorCode; detail: string };

const FRAMEWORK: Record<string, Known> = {
  FST_ERR_BAD_URL: { code: 'bad-url', detail: 'The URL is not valid: a % must start a percent-encoded UTF-8 byte (%E7%94%98 for 甘)' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri-too-long', detail: 'A path parameter is longer than the server accepts' },
};

function problem({ code, detail }: Known, instance: string | undefined, requestId: string): string {
  const { status, title } = ERROR_CATALOGUE[code];
  const body: ProblemBody = {
    type: `urn:masthead:problem:${code}`,
    title,
    status,
    detail,
    ...(instance === undefined ? {} : { instance }),
    code,
    requestId,
  };
  return JSON.stringify(body);
}

const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0];

/** fastify's `frameworkErrors`: the router could not decode the URL or a parameter is too long. */
export function frameworkErrors(securityHeaders: Record<string, string>): NonNullable<FastifyServerOptions['frameworkErrors']> {
  return (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
    const known: Known = FRAMEWORK[error.code ?? ''] ?? { code: 'internal-error', detail: 'An unexpected error occurred; it has been logged.' };
    if (known.code === 'internal-error') request.log.error({ err: error }, 'request failed before routing');
    const id = String(request.id);
    void reply
      .code(ERROR_CATALOGUE[known.code].status)
      .headers({ ...securityHeaders, 'x-request-id': id, 'cache-control': 'no-store' })
      .type('application/problem+json')
      .send(problem(known, pathOf(request.raw.url), id));
  };
}

const PARSER: Record<string, Known> = {
  HPE_HEADER_OVERFLOW: { code: 'headers-too-large', detail: 'The request headers are larger than the server accepts' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request-timeout', detail: 'The request did not arrive in time' },
  HPE_INVALID_URL: {
    code: 'bad-url',
    detail: 'The request target is not valid: percent-encode anything but ASCII (甘肃 is %E7%94%98%E8%82%83; curl: --data-urlencode with -G)',
  },
};

/** fastify's `clientErrorHandler`: Node's parser refused the request, so there is no request object. */
export function clientErrorHandler(securityHeaders: Record<string, string>): NonNullable<FastifyServerOptions['clientErrorHandler']> {
  return (error: Error & { code?: string }, socket: Socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const known: Known = PARSER[error.code ?? ''] ?? { code: 'malformed-request', detail: 'The request is not valid HTTP/1.1' };
      const { status } = ERROR_CATALOGUE[known.code];
      const requestId = randomUUID();
      const body = problem(known, undefined, requestId);
      const headers = {
        ...securityHeaders,
        'content-type': 'application/problem+json; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        'cache-control': 'no-store',
        'x-request-id': requestId,
        connection: 'close',
      };
      const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n\r\n${body}`);
    }
    socket.destroy(error);
  };
}
