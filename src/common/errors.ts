/**
 * Every problem Masthead answers with: its stable code (the `code` of the problem+json body and the
 * last part of its `type` URN), its HTTP status and its RFC 9457 title (a summary of the problem
 * type, the same for every occurrence). Services, stores and plugins name a code; the root error
 * handler (src/http/errors.ts) renders it. test/common/errors.test.ts pins this table, as fastify
 * core pins its own: a code's status or meaning never changes once clients rely on it.
 */
export const ERROR_CATALOGUE = {
  'validation-failed': { status: 400, title: 'The request is not valid' },
  'bad-request': { status: 400, title: 'The request could not be read' },
  'malformed-json': { status: 400, title: 'The body is not well-formed JSON' },
  'empty-body': { status: 400, title: 'The body is empty' },
  'invalid-content-length': { status: 400, title: 'The Content-Length does not match the body' },
  'body-incomplete': { status: 400, title: 'The body ended before it was complete' },
  'unknown-reference': { status: 400, title: 'The request names a record that does not exist' },
  'bad-url': { status: 400, title: 'The URL cannot be decoded' },
  'malformed-request': { status: 400, title: 'The request is not valid HTTP' },
  'invalid-line': { status: 400, title: 'An import line is not valid' },
  'authentication-required': { status: 401, title: 'An API key is required' },
  'invalid-token': { status: 401, title: 'The API key is not valid' },
  'insufficient-scope': { status: 403, title: 'The API key lacks the scope this call needs' },
  'admin-only': { status: 403, title: 'Only admin keys may do this' },
  'editors-only': { status: 403, title: 'Only editors (write keys) may ask for this' },
  'not-found': { status: 404, title: 'The record was not found' },
  'route-not-found': { status: 404, title: 'No route matches the request' },
  'method-not-allowed': { status: 405, title: 'The method is not allowed here' },
  conflict: { status: 409, title: 'The change conflicts with an existing record' },
  'slug-taken': { status: 409, title: 'The slug is taken' },
  'external-id-taken': { status: 409, title: 'The externalId is taken' },
  'section-cycle': { status: 409, title: 'A section cannot be placed under itself' },
  'section-has-children': { status: 409, title: 'The section still has subsections' },
  'section-in-use': { status: 409, title: 'Articles are still filed under the section' },
  'source-in-use': { status: 409, title: 'Articles still name the source' },
  'too-many-links': { status: 409, title: 'The article has too many related links' },
  'request-timeout': { status: 408, title: 'The request did not arrive in time' },
  'version-mismatch': { status: 412, title: 'The resource has changed since it was read' },
  'body-too-large': { status: 413, title: 'The body is too large' },
  'uri-too-long': { status: 414, title: 'A path parameter is too long' },
  'unsupported-media-type': { status: 415, title: 'The content type is not supported' },
  'headers-too-large': { status: 431, title: 'The request headers are too large' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'internal-error': { status: 500, title: 'An unexpected error occurred' },
  'database-unavailable': { status: 503, title: 'The database does not answer' },
  'database-busy': { status: 503, title: 'The database is busy with another writer' },
  'database-read-only': { status: 503, title: 'The database cannot be written' },
  'database-damaged': { status: 503, title: 'The database is damaged' },
  'search-busy': { status: 503, title: 'Too many searches are running' },
  'shutting-down': { status: 503, title: 'This server is shutting down' },
  'storage-full': { status: 507, title: 'The database has no room left' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export type FieldProblem = { in?: 'body' | 'query' | 'params' | 'headers'; pointer: string; message: string };
export type ErrorExtra = { errors?: FieldProblem[]; currentVersion?: number; headers?: Record<string, string> };

/** The one error type: a code from the catalogue, which gives its status and title, and a detail. */
export class AppError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: ErrorExtra = {},
  ) {
    super(message);
    this.status = ERROR_CATALOGUE[code].status;
    this.title = ERROR_CATALOGUE[code].title;
  }
}

export const notFound = (what: string) => new AppError('not-found', `${what} was not found`);

/** A 409 naming the body field that collides, when there is one. */
export const conflict = (code: ErrorCode, message: string, pointer?: string) =>
  new AppError(code, message, pointer ? { errors: [{ in: 'body', pointer, message }] } : {});

export const badRequest = (message: string, errors?: FieldProblem[]) => new AppError('validation-failed', message, errors ? { errors } : {});

/** A body field that names a record that does not exist. */
export const unknownReference = (message: string, pointer: string, fieldMessage: string) =>
  new AppError('unknown-reference', message, { errors: [{ in: 'body', pointer, message: fieldMessage }] });

export const preconditionFailed = (currentVersion: number) =>
  new AppError('version-mismatch', `The resource has changed: its current version is ${currentVersion}`, { currentVersion });
