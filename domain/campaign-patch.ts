/**
 * SPEC §4.7 updates [C-7]: the shape of a validated change to a stored campaign, as the API hands it
 * to the campaign workflow and the workflow hands it to the read model. Its keys come from the field
 * table (`domain/schemas/campaign-fields.ts`); only types cross into the workflow sandbox.
 */
export type { CampaignPatch } from './schemas/campaign-fields';

/** Actions a PUT may carry (SPEC §4.1); `delete` is the DELETE verb, decided by the same workflow. */
export type CampaignAction = 'pause' | 'resume' | 'complete' | 'archive';
