/**
 * SPEC §6.1 webhook payloads [C-13], JSON snake_case, timestamps in the account's zone.
 * Built here once; the activities only store and send them.
 */
import type { CampaignStats } from './stats';
import { formatInstant, formatOptional } from './time';

export type WebhookKind = 'call_status' | 'call_schedule' | 'status';

export interface CallStatusEvent {
  campaignSid: string;
  callSid: string;
  number: string;
  callerId: string;
  status: string;
  reason: string | null;
  attemptNumber: number;
  duration: number | null;
  recordingUrl: string | null;
  customField: unknown;
  dateCreated: Date;
  dateUpdated: Date;
}

/** `call_status_callback`: after every attempt, refused dials included. */
export function callStatusPayload(e: CallStatusEvent, timeZone: string): Record<string, unknown> {
  return {
    campaign_sid: e.campaignSid,
    call_sid: e.callSid,
    number: e.number,
    to: e.number,
    from: e.callerId,
    status: e.status,
    reason: e.reason,
    attempt_number: e.attemptNumber,
    duration: e.duration ?? 0,
    recording_url: e.recordingUrl,
    custom_field: e.customField ?? null,
    date_created: formatInstant(e.dateCreated, timeZone),
    date_updated: formatInstant(e.dateUpdated, timeZone),
  };
}

export interface CallScheduleEvent {
  campaignSid: string;
  number: string;
  callerId: string;
  callSids: string[];
  status: string;
  attempts: number;
  dateCreated: Date;
  dateUpdated: Date;
}

/** `call_schedule_callback`: once per number with at least one attempt, after its final attempt. */
export function callSchedulePayload(e: CallScheduleEvent, timeZone: string): Record<string, unknown> {
  return {
    campaign_sid: e.campaignSid,
    to: e.number,
    from: e.callerId,
    call_sids: e.callSids,
    status: e.status,
    attempts: e.attempts,
    date_created: formatInstant(e.dateCreated, timeZone),
    date_updated: formatInstant(e.dateUpdated, timeZone),
  };
}

export interface CampaignStatusEvent {
  campaignSid: string;
  status: string;
  previousStatus: string;
  stats: CampaignStats;
  dateCreated: Date;
  dateUpdated: Date;
  /** Only on a terminal status. */
  reportUrl?: string | null;
}

/** `status_callback`: every campaign status change after creation; `report_url` when terminal. */
export function campaignStatusPayload(e: CampaignStatusEvent, timeZone: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    campaign_sid: e.campaignSid,
    status: e.status,
    previous_status: e.previousStatus,
    stats: e.stats,
    date_created: formatInstant(e.dateCreated, timeZone),
    date_updated: formatOptional(e.dateUpdated, timeZone),
  };
  if (e.reportUrl) out.report_url = e.reportUrl;
  return out;
}
