import { randomBytes } from 'node:crypto';
import { toArticle } from '../articles/rows.js';
import type { Change, ChangeObserver } from '../changes/recorder.js';
import type { Clock } from '../common/time.js';
import { toIso } from '../common/time.js';
import type { OutboxDelivery } from '../store/port.js';
import { toSection } from '../sections/service.js';
import { toSource } from '../sources/service.js';

export const EVENT_TYPES = [
  'article.created',
  'article.updated',
  'article.deleted',
  'article.published',
  'section.created',
  'section.updated',
  'section.deleted',
  'source.created',
  'source.updated',
  'source.deleted',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const PAST = { create: 'created', update: 'updated', delete: 'deleted' } as const;

/** The event names a change makes: an article write that makes it visible to readers is also article.published. */
export function eventTypesOf(change: Change): EventType[] {
  if (change.resource !== 'article') return [`${change.resource}.${PAST[change.op]}`];
  const types: EventType[] = change.op === 'publish' ? [] : [`article.${PAST[change.op]}`];
  if (change.published) types.push('article.published');
  return types;
}

/** The resource as the API shows it to readers (who wrote it is newsroom-internal). */
function dataOf(change: Change): Record<string, unknown> {
  if (change.resource === 'article') return toArticle(change.row, false);
  return change.resource === 'section' ? toSection(change.row) : toSource(change.row);
}

export const newEventId = () => `msg_${randomBytes(16).toString('base64url')}`;

/**
 * The outbox writer: a change observer that queues one delivery per event and subscribed active
 * endpoint through the change's own unit of work, so an event is queued if and only if the change commits.
 */
export function createOutbox(clock: Clock): ChangeObserver {
  return async (tx, change) => {
    const types = eventTypesOf(change);
    if (types.length === 0) return;
    const hooks = await tx.outbox.subscribers();
    if (hooks.length === 0) return;
    const at = clock();
    const data = dataOf(change);
    const deliveries: OutboxDelivery[] = [];
    for (const eventType of types) {
      const wanted = hooks.filter((h) => h.events.includes('*') || h.events.includes(eventType));
      if (wanted.length === 0) continue;
      const eventId = newEventId();
      const payload = JSON.stringify({ type: eventType, timestamp: toIso(change.at), data });
      for (const hook of wanted) deliveries.push({ webhookId: hook.id, eventId, eventType, payload, at });
    }
    await tx.outbox.enqueue(deliveries);
  };
}
