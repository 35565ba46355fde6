/**
 * True when a partial update would change nothing: then no version is bumped, no change event
 * written, no webhook sent (re-sent forms and re-run imports stay quiet).
 */
export function changesNothing<T extends object>(current: T, input: Partial<T>): boolean {
  return Object.entries(input).every(([key, value]) => value === undefined || current[key as keyof T] === value);
}
