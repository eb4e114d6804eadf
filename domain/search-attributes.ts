/**
 * SPEC §8: Outcall's custom search attributes as typed keys (workflows, API and ops share them).
 * Each is the `{ name, type }` pair the SDK's `defineSearchAttributeKey` returns, written out so that
 * domain/ imports nothing from the SDK.
 */
import { SEARCH_ATTRIBUTES } from './ids';

const keyword = (name: string) => ({ name, type: 'KEYWORD' as const });

export const SA = {
  accountSid: keyword(SEARCH_ATTRIBUTES.accountSid),
  campaignId: keyword(SEARCH_ATTRIBUTES.campaignId),
  status: keyword(SEARCH_ATTRIBUTES.status),
} as const;
