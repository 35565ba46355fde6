import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Test } from 'tap';

/**
 * JSON Feed 1.1 as its specification (https://www.jsonfeed.org/version/1.1/) states it: no
 * official schema or npm parser exists, so this encodes the spec's MUSTs (required fields, URL
 * and RFC 3339 formats, content_html or content_text, `authors` objects).
 */
const author = { type: 'object', properties: { name: { type: 'string' }, url: { type: 'string', format: 'uri' } }, anyOf: [{ required: ['name'] }, { required: ['url'] }] };
const schema = {
  type: 'object',
  required: ['version', 'title', 'items'],
  properties: {
    version: { const: 'https://jsonfeed.org/version/1.1' },
    title: { type: 'string' },
    home_page_url: { type: 'string', format: 'uri' },
    feed_url: { type: 'string', format: 'uri' },
    description: { type: 'string' },
    language: { type: 'string' },
    authors: { type: 'array', items: author },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id'],
        anyOf: [{ required: ['content_html'] }, { required: ['content_text'] }],
        properties: {
          id: { type: 'string' },
          url: { type: 'string', format: 'uri' },
          external_url: { type: 'string', format: 'uri' },
          title: { type: 'string' },
          content_html: { type: 'string' },
          content_text: { type: 'string' },
          summary: { type: 'string' },
          image: { type: 'string', format: 'uri' },
          date_published: { type: 'string', format: 'date-time' },
          date_modified: { type: 'string', format: 'date-time' },
          authors: { type: 'array', items: author },
          tags: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

const ajv = new Ajv2020.default({ allErrors: true, strictRequired: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

export function assertJsonFeed(t: Test, feed: unknown) {
  const ok = validate(feed);
  t.ok(ok, `valid JSON Feed 1.1${ok ? '' : `: ${ajv.errorsText(validate.errors)}`}`);
}
