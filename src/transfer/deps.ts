import type { Clock } from '../common/time.js';
import type { Store } from '../store/port.js';
import { createStores } from '../stores.js';
import type { ImportDeps } from './import.js';

/** The services an import writes through, wired as the server's (see stores.ts), for the CLI, the import thread and the benchmark. */
export function createImportDeps(store: Store, clock: Clock): ImportDeps {
  const { sections, sources, articles, links } = createStores(store, clock);
  return { store, clock, sections, sources, articles, links };
}
