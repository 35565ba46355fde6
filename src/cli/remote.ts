import { UsageError } from './args.js';
import { CliFailure, describeFetchFailure } from './failure.js';

/** `--url` as given, checked before anything is read or sent. */
export function serverUrl(raw: string, path: string): URL {
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new UsageError(`--url: ${JSON.stringify(raw)} is not an address; it needs the server's, e.g. http://127.0.0.1:3000`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError(`--url: needs an http:// or https:// address, not ${base.protocol}`);
  return new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base);
}

/** fetch, whose "fetch failed" becomes a line naming the server and why it could not be reached. */
export async function callServer(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const line = describeFetchFailure(error, url);
    throw line ? new CliFailure(line) : error;
  }
}

/** Reads a body, turning a connection that breaks off midway into a CliFailure. */
export async function* bodyOf(res: Response, url: URL): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield chunk;
  } catch (error) {
    const line = describeFetchFailure(error, url);
    throw line ? new CliFailure(line) : error;
  }
}

/** "The server answered 403: …", from a problem+json body when there is one. */
export async function refusal(res: Response): Promise<CliFailure> {
  const problem = (await res.json().catch(() => null)) as { detail?: string; title?: string } | null;
  const hint = res.status === 404 && !problem?.detail ? ' (is --url the address of a Masthead server?)' : '';
  return new CliFailure(`The server answered ${res.status}: ${problem?.detail ?? problem?.title ?? res.statusText}${hint}`);
}
