/**
 * SPEC §6.2 webhook delivery, the rules shared by the delivery activity and the delivery log: when
 * the next try of a failed delivery goes out, the status a delivery shows, and the URL as it may be
 * shown (userinfo redacted, SPEC §6.3 "URL userinfo is never logged").
 */

/** The retry policy of `workflows/options.ts` `webhooks()`: 1 s, doubling, at most 1 h between tries. */
export const WEBHOOK_RETRY = { initialMs: 1000, coefficient: 2, maximumMs: 3_600_000 } as const;

/**
 * Milliseconds from a failed try to the next one: the receiver's `Retry-After` when it gave one, else
 * Temporal's exponential backoff after try number `attempt` (1-based).
 */
export function nextTryDelayMs(attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exponent = Math.max(0, attempt - 1);
  return Math.min(WEBHOOK_RETRY.initialMs * WEBHOOK_RETRY.coefficient ** exponent, WEBHOOK_RETRY.maximumMs);
}

/** Stored status (`pending | delivered | abandoned`) → shown status; a pending one that failed is `retrying`. */
export type WebhookDeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'abandoned';
export const WEBHOOK_DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = [
  'pending',
  'retrying',
  'delivered',
  'abandoned',
];

export function deliveryStatus(stored: string, tries: number): WebhookDeliveryStatus {
  if (stored === 'delivered' || stored === 'abandoned') return stored;
  return tries > 0 ? 'retrying' : 'pending';
}

/** The callback field an event kind was sent to: `call_status` → `call_status_callback`. */
export function deliveryEvent(kind: string): string {
  return `${kind}_callback`;
}

/** `https://user:secret@host/p` → `https://***@host/p`; anything that is not a URL is returned as is. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '***';
  parsed.password = '';
  return parsed.toString();
}
