import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { parseTwilioForm, signedUrlCandidates, twilioSignature, verifyTwilioRequest } from './twilio-signature.ts';
import { connectStreamTwiml, livekitSipUri } from './twiml.ts';

const TOKEN = 'signature-test-token-0123456789';

describe('Twilio signatures', () => {
  it('computes what the twilio package computes, including repeated parameters and non-ASCII values', () => {
    const params = { To: '+14155550100', Caller: 'Zoë & <Bob>', Digits: ['1', '2'], Empty: '' };
    const url = 'https://hooks.example.com/twilio/voice?x=1&y=%20z';
    expect(twilioSignature(TOKEN, url, params)).toBe(twilio.getExpectedTwilioSignature(TOKEN, url, params));
  });

  it("accepts a signature Twilio made with the scheme's default port, or without it", () => {
    const params = { CallSid: 'CA1' };
    const body = Buffer.from(new URLSearchParams(params).toString());
    for (const signedUrl of [
      'https://hooks.example.com:443/twilio/status',
      'https://hooks.example.com/twilio/status',
    ]) {
      const signature = twilio.getExpectedTwilioSignature(TOKEN, signedUrl, params);
      expect(
        verifyTwilioRequest(
          {
            signature,
            url: 'https://hooks.example.com/twilio/status',
            contentType: undefined,
            rawBody: body,
            params: parseTwilioForm(body),
          },
          [TOKEN],
        ),
      ).toBe(true);
    }
    expect(signedUrlCandidates('http://h:8081/a?b')).toEqual(['http://h:8081/a?b', 'http://h/a?b']);
  });

  it('refuses when no token is known, the signature is absent, or bodySHA256 does not match', () => {
    const body = Buffer.from('{"a":1}');
    const url = `https://hooks.example.com/twilio/status?bodySHA256=${twilio.getExpectedBodyHash('{"a":2}')}`;
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, {});
    expect(
      verifyTwilioRequest({ signature, url, contentType: 'application/json', rawBody: body, params: {} }, [TOKEN]),
    ).toBe(false);
    expect(
      verifyTwilioRequest({ signature, url, contentType: 'application/json', rawBody: body, params: {} }, []),
    ).toBe(false);
    expect(
      verifyTwilioRequest({ signature: undefined, url, contentType: 'application/json', rawBody: body, params: {} }, [
        TOKEN,
      ]),
    ).toBe(false);
  });
});

describe('TwiML', () => {
  it('escapes what it embeds', () => {
    expect(connectStreamTwiml('wss://m.example.com/twilio?a=1&b=2', { note: '"<x>"' })).toContain(
      '<Stream url="wss://m.example.com/twilio?a=1&amp;b=2"><Parameter name="note" value="&quot;&lt;x&gt;&quot;"/>',
    );
  });

  it('builds the LiveKit SIP URI from a host, a sip: URI or a URI with parameters', () => {
    expect(livekitSipUri('sip.example.com', '+14155550100')).toBe('sip:+14155550100@sip.example.com');
    expect(livekitSipUri('sip:trunk@sip.example.com;transport=tls', '+1415')).toBe(
      'sip:+1415@sip.example.com;transport=tls',
    );
    expect(livekitSipUri('sips:sip.example.com', '+1415')).toBe('sips:+1415@sip.example.com');
  });
});
