import { Writable } from 'node:stream';
import pino from 'pino';
import { loggerOptions } from '../../src/http/logging.js';

/** A pino logger with the app's options (redaction included) at trace level, writing into `lines`. */
export function capturingLogger(redact = true) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const options = redact ? { ...loggerOptions({ logLevel: 'trace' }) } : { level: 'trace' };
  return { logger: pino(options, stream), lines, text: () => lines.join('\n') };
}
