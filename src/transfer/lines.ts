import { AppError } from '../common/errors.js';

/** One line of the body: its text, or why it cannot be read. Blank lines are not yielded but are counted. */
export type RawLine = { line: number; text: string } | { line: number; problem: string };

export type LineLimits = {
  /** A longer line fails on its own (its bytes are skipped, not buffered); the stream goes on. */
  maxLineBytes: number;
  /** The whole body; beyond it the import stops with 413 (batches already committed stay). */
  maxBytes: number;
};

const NEWLINE = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const bodyTooLarge = (max: number) => new AppError('body-too-large', `The body is larger than the import limit of ${max} bytes`);

function decodeLine(line: number, bytes: Buffer): RawLine | null {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === CR) end--;
  const start = line === 1 && bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
  let text: string;
  try {
    text = decoder.decode(bytes.subarray(start, end));
  } catch {
    return { line, problem: 'The line is not valid UTF-8' };
  }
  return text.trim() === '' ? null : { line, text };
}

/**
 * Splits a byte stream into lines without holding more than one line: LF or CRLF endings, a
 * UTF-8 byte order mark at the start, blank lines skipped (but counted, so that line numbers
 * match an editor's; `count.lines` says how many were read). A stream that ends early (the
 * client went away) rejects, as its iterator does.
 */
export async function* readLines(source: AsyncIterable<Buffer | string>, limits: LineLimits, count: { lines: number }): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let oversize = false;
  let total = 0;

  const finish = (): RawLine | null => {
    const line = ++count.lines;
    const result: RawLine | null = oversize
      ? { line, problem: `The line is longer than ${limits.maxLineBytes} bytes` }
      : decodeLine(line, parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    parts = [];
    size = 0;
    oversize = false;
    return result;
  };

  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buf.length;
    if (total > limits.maxBytes) throw bodyTooLarge(limits.maxBytes);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, start);
      const end = nl === -1 ? buf.length : nl;
      if (!oversize && end > start) {
        if (size + (end - start) > limits.maxLineBytes) {
          oversize = true;
          parts = [];
        } else {
          parts.push(buf.subarray(start, end));
          size += end - start;
        }
      }
      if (nl === -1) break;
      const result = finish();
      if (result) yield result;
      start = nl + 1;
    }
  }
  if (size > 0 || oversize) {
    const result = finish();
    if (result) yield result;
  }
}
