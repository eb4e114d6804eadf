/** SPEC §8: Outcall's custom search attributes as typed keys (workflows, API and ops share them). */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from './ids';

export const SA = {
  accountSid: defineSearchAttributeKey(SEARCH_ATTRIBUTES.accountSid, SearchAttributeType.KEYWORD),
  campaignId: defineSearchAttributeKey(SEARCH_ATTRIBUTES.campaignId, SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey(SEARCH_ATTRIBUTES.status, SearchAttributeType.KEYWORD),
} as const;
