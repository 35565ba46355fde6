import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

/**
 * Every answer the API test suite receives is checked against the committed OpenAPI document
 * (openapi/openapi.json, itself checked against the routes by test/openapi.test.ts): the status
 * must be one the operation lists, the body must match the schema of its media type, documented
 * required headers must be there and every documented header must match its schema. So the
 * document cannot say what the server does not do.
 */

type Header = { required?: boolean; schema?: Record<string, unknown>; $ref?: string };
type Answer = { headers?: Record<string, Header>; content?: Record<string, unknown> };
type Operation = { responses: Record<string, Answer> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { headers: Record<string, Header> } };

const DOC_ID = 'openapi.json';
const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as Doc;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema(doc as object, DOC_ID);

const escape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');
const validators = new Map<string, ValidateFunction>();
function validatorAt(pointer: string): ValidateFunction {
  let v = validators.get(pointer);
  if (!v) {
    v = ajv.getSchema(`${DOC_ID}#${pointer}`)!;
    if (!v) throw new Error(`no schema at ${pointer}`);
    validators.set(pointer, v);
  }
  return v;
}

/** The document's paths as matchers; a static segment wins over a parameter, as in the router. */
const routes = Object.keys(doc.paths)
  .map((path) => ({
    path,
    regex: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}/?$`),
    rank: path.split('/').map((segment) => (segment.includes('{') ? '1' : '0')).join(''),
  }))
  .sort((a, b) => a.rank.localeCompare(b.rank));

const PROBLEM = '/components/schemas/Problem';

function bodyOf(res: LightMyRequestResponse): string {
  const encoding = String(res.headers['content-encoding'] ?? '');
  if (encoding === 'br') return brotliDecompressSync(res.rawPayload).toString('utf8');
  if (encoding === 'gzip') return gunzipSync(res.rawPayload).toString('utf8');
  return res.payload;
}

const isJson = (mediaType: string) => /[/+]json$/.test(mediaType);
const describe = (v: ValidateFunction) => ajv.errorsText(v.errors, { dataVar: 'body' });

function checkBody(problems: string[], pointer: string, mediaType: string, body: string) {
  if (isJson(mediaType)) {
    const v = validatorAt(pointer);
    if (!v(JSON.parse(body))) problems.push(`body does not match ${pointer}: ${describe(v)}`);
  } else if (mediaType.endsWith('ndjson')) {
    const v = validatorAt(pointer);
    for (const line of body.split('\n').filter(Boolean)) if (!v(JSON.parse(line))) problems.push(`NDJSON line does not match ${pointer}: ${describe(v)}`);
  }
}

function checkHeaders(problems: string[], answer: Answer, res: LightMyRequestResponse) {
  for (const [name, declared] of Object.entries(answer.headers ?? {})) {
    const header = declared.$ref ? doc.components.headers[declared.$ref.split('/').pop()!]! : declared;
    const value = res.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) problems.push(`the required header ${name} is missing`);
      continue;
    }
    const ref = declared.$ref ? `/components/headers/${escape(declared.$ref.split('/').pop()!)}/schema` : null;
    if (ref && !validatorAt(ref)(String(value))) problems.push(`header ${name}: ${JSON.stringify(value)} does not match its schema`);
  }
}

/** What is wrong with this answer to this request, according to the document (nothing: []). */
export function contractProblems(opts: InjectOptions | string, res: LightMyRequestResponse): string[] {
  const o = typeof opts === 'string' ? { url: opts } : opts;
  const method = String(o.method ?? 'GET').toLowerCase();
  const path = String(o.url ?? o.path ?? '/').split('?')[0]!;
  const route = routes.find((r) => r.regex.test(path));
  const operation = route ? doc.paths[route.path]![method === 'head' ? 'get' : method] : undefined;
  const status = String(res.statusCode);
  const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const body = method === 'head' ? '' : bodyOf(res);
  const problems: string[] = [];
  if (!operation) {
    // Not an operation (an unknown route or method, the docs UI): an error must still be a problem.
    if (res.statusCode < 400) return [];
    if (mediaType !== 'application/problem+json') problems.push(`an error of ${mediaType || 'no type'}, not application/problem+json`);
    else checkBody(problems, PROBLEM, mediaType, body);
    return problems;
  }
  const answer = operation.responses[status];
  if (!answer) return [`status ${status} is not documented for ${method.toUpperCase()} ${route!.path}`];
  const base = `/paths/${escape(route!.path)}/${method === 'head' ? 'get' : method}/responses/${status}`;
  if (body.length > 0) {
    if (!answer.content) problems.push(`a ${status} with a body (${JSON.stringify(body.slice(0, 40))}) where the document says none`);
    else if (!(mediaType in answer.content)) problems.push(`content type ${mediaType} is not one of ${Object.keys(answer.content).join(', ')}`);
    else checkBody(problems, `${base}/content/${escape(mediaType)}/schema`, mediaType, body);
  }
  checkHeaders(problems, answer, res);
  return problems.map((p) => `${method.toUpperCase()} ${path} → ${status}: ${p}`);
}
