/**
 * SPEC §4.4: the campaign-level calling window the campaign workflow waits on (`campaignWindow`),
 * with the pacing that bounds how many of its numbers are worth keeping live (SPEC §4.5).
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { accounts, campaigns } from '../db/schema';
import { windowRecipients } from '../db/queries/campaign-numbers';
import { callingWindow, windowState } from '../domain/calling-window';
import { carrierConnection, effectiveCallsPerMinute } from '../domain/carrier-pacing';
import { campaignWindowState } from '../domain/recipient-window';

export interface CampaignWindowInput {
  campaignId: string;
  nowMs: number;
}
export type CampaignWindowOutput = (
  { open: true; closesAtMs: number | null } | { open: false; nextOpenMs: number | null }
) & {
  /** The limits that bound how many of the campaign's numbers can be dialling at once (SPEC §4.5). */
  pacing?: { callsPerMinute: number; channels: number; throttle: number | null };
};

/**
 * SPEC §4.4: whether the account's calling window (or, with `recipient_local_time`, any remaining
 * recipient's) is open at the workflow's `now`; closed until
 * `send_at` while a started campaign's `send_at` (rolled forward while paused, §4.7) is ahead.
 */
export function campaignWindow(db: Db) {
  return async (input: CampaignWindowInput): Promise<CampaignWindowOutput> => {
    const [row] = await db
      .select({
        window: accounts.callingWindow,
        tz: accounts.timezone,
        days: accounts.callingDays,
        recipientLocalTime: accounts.recipientLocalTime,
        sendAt: campaigns.sendAt,
        accountSid: accounts.sid,
        carrier: accounts.carrier,
        callsPerMinute: accounts.callsPerMinute,
        channels: accounts.channels,
        mode: campaigns.mode,
        throttle: campaigns.throttle,
      })
      .from(campaigns)
      .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
      .where(eq(campaigns.id, input.campaignId));
    if (!row) return { open: false, nextOpenMs: null };
    const pacing = {
      callsPerMinute: effectiveCallsPerMinute(row.callsPerMinute, carrierConnection(row.carrier, row.accountSid)),
      channels: row.channels,
      throttle: row.mode === 'custom' ? row.throttle : null,
    };
    if (row.sendAt !== null && row.sendAt.getTime() > input.nowMs)
      return { open: false, nextOpenMs: row.sendAt.getTime(), pacing };
    // SPEC §4.4 (ext): open while any remaining recipient's own window is; each number's begin
    // checks its own (activities/attempts/begin.ts).
    if (row.recipientLocalTime) {
      const settings = { timezone: row.tz, callingWindow: row.window, callingDays: row.days, recipientLocalTime: true };
      const recipients = await windowRecipients(db, input.campaignId);
      return { ...campaignWindowState(settings, recipients, input.nowMs), pacing };
    }
    return { ...windowState(callingWindow(row.window, row.tz, row.days), input.nowMs), pacing };
  };
}
