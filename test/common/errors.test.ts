import t from 'tap';
import { AppError, ERROR_CATALOGUE } from '../../src/common/errors.js';
import { buildTestApp, call } from '../helpers/app.js';

// Clients branch on these codes: a code's status never changes, and none disappears. Adding a
// code means adding it here too; changing one is a breaking change of the API.
const PINNED: Record<string, number> = {
  'validation-failed': 400,
  'bad-request': 400,
  'malformed-json': 400,
  'empty-body': 400,
  'invalid-content-length': 400,
  'body-incomplete': 400,
  'unknown-reference': 400,
  'bad-url': 400,
  'malformed-request': 400,
  'invalid-line': 400,
  'authentication-required': 401,
  'invalid-token': 401,
  'insufficient-scope': 403,
  'admin-only': 403,
  'editors-only': 403,
  'not-found': 404,
  'route-not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'slug-taken': 409,
  'external-id-taken': 409,
  'section-cycle': 409,
  'section-has-children': 409,
  'section-in-use': 409,
  'source-in-use': 409,
  'too-many-links': 409,
  'request-timeout': 408,
  'version-mismatch': 412,
  'body-too-large': 413,
  'uri-too-long': 414,
  'unsupported-media-type': 415,
  'headers-too-large': 431,
  'rate-limited': 429,
  'internal-error': 500,
  'database-unavailable': 503,
  'database-busy': 503,
  'database-read-only': 503,
  'database-damaged': 503,
  'search-busy': 503,
  'shutting-down': 503,
  'storage-full': 507,
};

t.test('the catalogue holds exactly the pinned codes with their statuses', async (t) => {
  const actual = Object.fromEntries(Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, e.status]));
  t.same(actual, PINNED);
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    t.match(code, /^[a-z]+(-[a-z]+)*$/, `${code} is kebab-case`);
    t.ok(entry.title.length > 0 && entry.title.length <= 60, `${code} has a short title`);
  }
  const titles = Object.values(ERROR_CATALOGUE).map((e) => e.title);
  t.equal(new Set(titles).size, titles.length, 'every title names one problem type');
});

t.test('an AppError takes its status and title from the catalogue', async (t) => {
  const e = new AppError('slug-taken', 'Another section has this slug');
  t.equal(e.status, 409);
  t.equal(e.title, 'The slug is taken');
  t.equal(e.message, 'Another section has this slug');
});

t.test('the root handler renders a catalogue error with its title, type and code', async (t) => {
  const { app, auth } = await buildTestApp(t);
  const body = { slug: 'tianjin-2', name: '天津' };
  t.equal((await call(app, { method: 'POST', url: '/v1/sections', headers: auth.write, payload: body })).status, 201);
  const res = await call(app, { method: 'POST', url: '/v1/sections', headers: auth.write, payload: body });
  t.equal(res.status, 409);
  t.match(String(res.headers['content-type']), /^application\/problem\+json/);
  t.match(res.body, { type: 'urn:masthead:problem:slug-taken', code: 'slug-taken', title: 'The slug is taken', status: 409 });
  const missing = await call(app, { method: 'GET', url: '/v1/no-such-route' });
  t.match(missing.body, { code: 'route-not-found', title: ERROR_CATALOGUE['route-not-found'].title, status: 404 });
});
