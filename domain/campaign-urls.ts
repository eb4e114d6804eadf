/**
 * SPEC §3 callbacks and flow `url`, §6.3 "refused at create and update": the campaign fields that
 * hold an outbound URL, judged by the deployment's URL policy (`url-policy.ts`).
 */
import { STRICT_POLICY, urlRefusal, type AddressPolicy } from './url-policy';

/** The campaign fields that hold an outbound URL, by wire name. */
export const OUTBOUND_URL_FIELDS = [
  'url',
  'call_status_callback',
  'call_schedule_callback',
  'status_callback',
] as const;
export type OutboundUrlField = (typeof OUTBOUND_URL_FIELDS)[number];

/**
 * The first given callback or flow URL whose host is a refused address (in any spelling), with a
 * description naming the field, or null; the strictest policy when none is given.
 */
export function checkOutboundUrls(
  urls: Partial<Record<OutboundUrlField, string | null | undefined>>,
  policy: AddressPolicy = STRICT_POLICY,
): { field: OutboundUrlField; description: string } | null {
  for (const field of OUTBOUND_URL_FIELDS) {
    const url = urls[field];
    if (url === null || url === undefined) continue;
    const refusal = urlRefusal(url, policy);
    if (refusal) return { field, description: `${field} is refused by the outbound URL policy: ${refusal}` };
  }
  return null;
}
