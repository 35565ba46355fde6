/** The clock is passed in so tests can move time (scheduled publishing depends on "now"). */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export const toIso = (ms: number): string => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null): string | null => (ms === null ? null : toIso(ms));
