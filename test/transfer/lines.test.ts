import t from 'tap';
import { readLines, type RawLine } from '../../src/transfer/lines.js';

async function collect(chunks: (string | Buffer)[], limits = { maxLineBytes: 64, maxBytes: 10_000 }) {
  const count = { lines: 0 };
  const out: RawLine[] = [];
  for await (const line of readLines(chunks as unknown as AsyncIterable<Buffer>, limits, count)) out.push(line);
  return { out, lines: count.lines };
}

t.test('splits on LF and CRLF wherever the chunks break, skips blank lines but counts them', async (t) => {
  const text = 'one\r\n\r\ntwo\n   \nthree';
  for (let cut = 0; cut <= text.length; cut++) {
    const { out, lines } = await collect([text.slice(0, cut), text.slice(cut)]);
    t.same(out, [{ line: 1, text: 'one' }, { line: 3, text: 'two' }, { line: 5, text: 'three' }], `cut at ${cut}`);
    t.equal(lines, 5);
  }
  t.same((await collect(['a\n\n'])).lines, 2, 'a trailing newline ends the last line, it does not start another');
  t.same(await collect([]), { out: [], lines: 0 });
});

t.test('a UTF-8 BOM is dropped at the start only, even split across chunks; multi-byte characters survive any split', async (t) => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const body = Buffer.concat([bom, Buffer.from('天津\n'), bom, Buffer.from('x\n')]);
  for (let cut = 0; cut <= body.length; cut++) {
    const { out } = await collect([body.subarray(0, cut), body.subarray(cut)]);
    t.same(out, [{ line: 1, text: '天津' }, { line: 2, text: '\ufeffx' }], `cut at ${cut}`);
  }
});

t.test('an over-long line and invalid UTF-8 fail alone; the body limit stops the stream', async (t) => {
  const { out } = await collect(['short\n', 'x'.repeat(40), 'y'.repeat(40), '\nafter\n', Buffer.from([0x61, 0xff, 0x0a]), 'end']);
  t.same(out, [
    { line: 1, text: 'short' },
    { line: 2, problem: 'The line is longer than 64 bytes' },
    { line: 3, text: 'after' },
    { line: 4, problem: 'The line is not valid UTF-8' },
    { line: 5, text: 'end' },
  ]);
  await t.rejects(collect(['a\n'.repeat(20)], { maxLineBytes: 64, maxBytes: 30 }), { status: 413, code: 'body-too-large' });
});

t.test('a stream that fails (the client went away) rejects', async (t) => {
  async function* broken() {
    yield Buffer.from('one\n');
    throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
  }
  const count = { lines: 0 };
  const read = async () => {
    for await (const _ of readLines(broken(), { maxLineBytes: 64, maxBytes: 1000 }, count));
  };
  await t.rejects(read(), { code: 'ECONNRESET' });
  t.equal(count.lines, 1, 'the line before the break was read');
});
