/**
 * SPEC §6.1 `report_url`: an absolute URL carrying a signed token, valid 7 days, that downloads the
 * per-number report without Basic auth. Token = `<campaignId>.<expiry unix s>.<hex HMAC-SHA256>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const REPORT_URL_TTL_MS = 7 * 24 * 3600 * 1000;

function mac(secret: string, campaignId: string, exp: number): string {
  return createHmac('sha256', secret).update(`report:${campaignId}:${exp}`).digest('hex');
}

export function signReportToken(secret: string, campaignId: string, nowMs: number): string {
  const exp = Math.floor((nowMs + REPORT_URL_TTL_MS) / 1000);
  return `${campaignId}.${exp}.${mac(secret, campaignId, exp)}`;
}

/** The campaign id the token grants, or null when it is malformed, forged or expired. */
export function verifyReportToken(secret: string, token: string, nowMs: number): string | null {
  const m = /^([0-9a-f]{32})\.(\d{1,12})\.([0-9a-f]{64})$/.exec(token);
  if (!m) return null;
  const [, campaignId, expText, sig] = m as unknown as [string, string, string, string];
  const exp = Number(expText);
  if (exp * 1000 < nowMs) return null;
  const want = Buffer.from(mac(secret, campaignId, exp), 'hex');
  const got = Buffer.from(sig, 'hex');
  return want.length === got.length && timingSafeEqual(want, got) ? campaignId : null;
}

/** The absolute, auth-free URL of a campaign's report (served by api/routes/reports.ts). */
export function reportUrl(publicUrl: string, campaignId: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/reports/${campaignId}/report.csv?token=${token}`;
}
