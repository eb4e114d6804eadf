/**
 * SPEC §7 `twilio` greetings: the TwiML that reads a greeting (`<Say>`), its text XML-escaped so a
 * contact's name or a template value can never inject markup. Twilio takes at most
 * `TWIML_PARAMETER_MAX` characters in the `Twiml` parameter of a call; longer TwiML is fetched from
 * Outcall's greeting endpoint through `Url` instead.
 */

/** Twilio's limit on the `Twiml` parameter of `POST .../Calls.json`. */
export const TWIML_PARAMETER_MAX = 4000;

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text as XML character data: the five special characters escaped, and characters XML 1.0 cannot
 * carry at all (C0 controls other than tab, newline and carriage return; lone surrogates) dropped.
 */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch]!);
}

/** The TwiML document that reads `text` once. */
export function sayTwiml(text: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${xmlEscape(text)}</Say></Response>`;
}

const XML_UNESCAPES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of the `<Say>` verbs of a TwiML document, unescaped (what a caller hears). */
export function spokenText(twiml: string): string {
  const said = [...twiml.matchAll(/<Say\b[^>]*>([\s\S]*?)<\/Say>/g)].map((m) => m[1]!);
  return said
    .join(' ')
    .replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name: string, dec?: string, hex?: string) =>
      dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : XML_UNESCAPES[name]!,
    );
}
