/**
 * SPEC §4.7 updates [C-7]: the shape of a validated change to a stored campaign, as the API hands it
 * to the campaign workflow and the workflow hands it to the read model. Values are already
 * validated and normalised; absent keys do not change; `null` clears.
 */
export interface CampaignPatch {
  name?: string;
  callerId?: string;
  campaignType?: string;
  flowType?: string | null;
  url?: string | null;
  readViaText?: string | null;
  repeatMenuAttempts?: number;
  retries?: {
    number_of_retries: number;
    interval_mins: number | null;
    mechanism: 'Linear' | 'Exponential';
    on_status: Array<'busy' | 'no-answer' | 'failed'>;
  };
  /** Epoch milliseconds. */
  sendAtMs?: number | null;
  endAtMs?: number | null;
  callStatusCallback?: string | null;
  callScheduleCallback?: string | null;
  statusCallback?: string | null;
  mode?: string;
  throttle?: number | null;
  customField?: unknown;
  callDuplicateNumbers?: boolean;
  /** Replaces the number source (before start only): `from` as E.164 in dialling order. */
  from?: string[];
  /** Replaces the number source (before start only): list sids. */
  lists?: string[];
}

/** Actions a PUT may carry (SPEC §4.1); `delete` is the DELETE verb, decided by the same workflow. */
export type CampaignAction = 'pause' | 'resume' | 'complete' | 'archive';
