/** SPEC §7 `twilio` greetings as TwiML: `<Say>` with the text XML-escaped (domain/twiml.ts). */
import { describe, expect, it } from 'vitest';
import { sayTwiml, spokenText, xmlEscape } from '../../domain/twiml';

describe('§7 greeting TwiML', () => {
  it('escapes the five XML specials, so a contact value cannot inject markup', () => {
    expect(xmlEscape(`Tom & "Jerry" <Hangup/> it's`)).toBe('Tom &amp; &quot;Jerry&quot; &lt;Hangup/&gt; it&apos;s');
    const twiml = sayTwiml('Hi </Say><Dial>+15550000</Dial><Say>');
    expect(twiml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>' +
        'Hi &lt;/Say&gt;&lt;Dial&gt;+15550000&lt;/Dial&gt;&lt;Say&gt;</Say></Response>',
    );
    expect(twiml.match(/<Say>/g)).toHaveLength(1);
  });

  it('drops characters XML cannot carry, keeps every other character, tabs and newlines included', () => {
    expect(xmlEscape('a\u0000b\u0007c\td\ne\u000bf\ud800g')).toBe('abc\td\nefg');
    expect(xmlEscape('नमस्ते 😀 Grüße')).toBe('नमस्ते 😀 Grüße');
  });

  it('reads back what a caller hears', () => {
    const text = `Your parcel & "gift" arrive <today>, Asha's 😀`;
    expect(spokenText(sayTwiml(text))).toBe(text);
    expect(spokenText('<Response><Say voice="alice">a &#38; b &#x3C;</Say><Pause/><Say>c</Say></Response>')).toBe(
      'a & b < c',
    );
  });
});
