import type { DeliveryRow, Store } from '../../src/store/port.js';

/** An endpoint's deliveries in event order (oldest first), read through the storage port rather than SQL. */
export async function deliveryLog(store: Store, webhookId: number): Promise<DeliveryRow[]> {
  const rows: DeliveryRow[] = [];
  for (let page = await store.deliveries.page(webhookId, {}, undefined, 100); page.length > 0; ) {
    rows.push(...page);
    page = await store.deliveries.page(webhookId, {}, { value: page.at(-1)!.id, id: page.at(-1)!.id }, 100);
  }
  return rows.reverse();
}
