/** Where progress goes: stderr, so that stdout stays clean for data (export to -). */
export type ProgressStream = { write(s: string): unknown; isTTY?: boolean };
/** `errors` when there is something to count (an upload learns of failed lines only at the end); `detail` says what the lines are. */
export type ProgressState = { lines: number; errors?: number; detail?: string };

const TTY_EVERY_MS = 100;
const PLAIN_EVERY_MS = 5000;

/**
 * A progress line: on a terminal, one line redrawn in place (`\r`) at most ten times a second;
 * elsewhere (CI logs, files), a plain line every five seconds.
 */
export function createProgress(stream: ProgressStream, label: string, now: () => number = () => performance.now(), unit = 'lines') {
  const started = now();
  const tty = stream.isTTY === true;
  // A plain log gets its first line after the interval: a short run prints only its closing line.
  let last = tty ? -Infinity : started;
  const render = (s: ProgressState) => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const rate = Math.round(s.lines / seconds);
    const detail = s.detail ? ` (${s.detail})` : '';
    const errors = s.errors === undefined ? '' : `, ${s.errors.toLocaleString('en')} errors`;
    return `${label}: ${s.lines.toLocaleString('en')} ${unit}${detail}, ${rate.toLocaleString('en')} ${unit}/s${errors}, ${seconds.toFixed(1)} s`;
  };
  return {
    update(s: ProgressState): void {
      const t = now();
      if (t - last < (tty ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
      last = t;
      stream.write(tty ? `\r${render(s)}\x1b[K` : `${render(s)}\n`);
    },
    done(s: ProgressState): void {
      stream.write(tty ? `\r${render(s)}\x1b[K\n` : `${render(s)}\n`);
    },
  };
}
