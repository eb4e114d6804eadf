/**
 * SPEC §6.1 `report_url`: an absolute URL carrying a signed token, valid 7 days, that downloads the
 * per-number report without Basic auth. Token = `<campaignId>.<expiry unix s>.<hex HMAC-SHA256>`.
 * The HMAC primitive is passed in (node:crypto's `createHmac`), so domain/ imports nothing with I/O.
 */
import { equalInConstantTime } from './constant-time';

export const REPORT_URL_TTL_MS = 7 * 24 * 3600 * 1000;

/** The shape of node:crypto's `createHmac` that the token needs. */
export type CreateHmac = (algorithm: 'sha256', key: string) => { update(data: string): { digest(e: 'hex'): string } };

function mac(createHmac: CreateHmac, secret: string, campaignId: string, exp: number): string {
  return createHmac('sha256', secret).update(`report:${campaignId}:${exp}`).digest('hex');
}

export function signReportToken(createHmac: CreateHmac, secret: string, campaignId: string, nowMs: number): string {
  const exp = Math.floor((nowMs + REPORT_URL_TTL_MS) / 1000);
  return `${campaignId}.${exp}.${mac(createHmac, secret, campaignId, exp)}`;
}

/** The campaign id the token grants, or null when it is malformed, forged or expired. */
export function verifyReportToken(createHmac: CreateHmac, secret: string, token: string, nowMs: number): string | null {
  const m = /^([0-9a-f]{32})\.(\d{1,12})\.([0-9a-f]{64})$/.exec(token);
  if (!m) return null;
  const [, campaignId, expText, sig] = m as unknown as [string, string, string, string];
  const exp = Number(expText);
  if (exp * 1000 < nowMs) return null;
  return equalInConstantTime(mac(createHmac, secret, campaignId, exp), sig) ? campaignId : null;
}

/** The absolute, auth-free URL of a campaign's report (served by api/routes/reports.ts). */
export function reportUrl(publicUrl: string, campaignId: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/reports/${campaignId}/report.csv?token=${token}`;
}
