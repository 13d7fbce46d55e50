// The public shapes of messages, deliveries and attempts.
import type { AttemptRow, DeliveryRow, MessageWithStatus } from './store.ts';

export function presentMessage(message: MessageWithStatus) {
  return {
    id: message.id,
    eventType: message.eventType,
    connectionId: message.connectionId,
    status: message.status,
    payload: message.payload,
    createdAt: message.createdAt.toISOString(),
  };
}

export function presentDelivery(delivery: DeliveryRow) {
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: delivery.status === 'pending' ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    lastStatusCode: delivery.lastStatusCode,
    createdAt: delivery.createdAt.toISOString(),
  };
}

export function presentAttempt(attempt: AttemptRow) {
  const succeeded = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
  return {
    id: attempt.id,
    messageId: attempt.messageId,
    endpointId: attempt.endpointId,
    deliveryId: attempt.deliveryId,
    attempt: attempt.attempt,
    status: succeeded ? ('succeeded' as const) : ('failed' as const),
    statusCode: attempt.statusCode,
    durationMs: attempt.durationMs,
    responseSnippet: attempt.responseSnippet,
    error: attempt.error,
    createdAt: attempt.createdAt.toISOString(),
  };
}
