/**
 * SPEC §1 "Public URL", §7: the URLs Outcall hands to a carrier for one attempt, built only here so
 * the dialling code and the API routes that answer them agree. Each carries the attempt's token.
 */

export const TWILIO_STATUS_PATH = '/carriers/twilio/status';
export const TWILIO_GREETING_PATH = '/carriers/twilio/greeting';

const base = (publicUrl: string) => publicUrl.replace(/\/+$/, '');

/** Where Twilio posts the attempt's `completed` status callback. */
export function twilioStatusCallbackUrl(publicUrl: string, token: string): string {
  return `${base(publicUrl)}${TWILIO_STATUS_PATH}?token=${encodeURIComponent(token)}`;
}

/** Where Twilio fetches the TwiML of a greeting too long for the `Twiml` parameter. */
export function twilioGreetingUrl(publicUrl: string, token: string): string {
  return `${base(publicUrl)}${TWILIO_GREETING_PATH}?token=${encodeURIComponent(token)}`;
}

/** The `token` query parameter of a URL Outcall built, or null. */
export function tokenOfUrl(url: string): string | null {
  try {
    return new URL(url).searchParams.get('token');
  } catch {
    return null;
  }
}
