import querystring from 'node:querystring';
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
    expect(signedUrlCandidates('http://h:8081/a?b')).toEqual([
      'http://h/a?b',
      'http://h:8081/a?b',
      'http://h/a?b=',
      'http://h:8081/a?b=',
    ]);
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

/** A small seeded PRNG (mulberry32), so a failing case can be reproduced from its index. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick, chance: (p: number) => next() < p };
}

const BASES = [
  'https://hooks.example.com',
  'https://hooks.example.com:443',
  'https://hooks.example.com:8443',
  'http://10.0.0.5:8081',
  'http://hooks.example.com:80',
  'https://user@hooks.example.com',
  'https://[2001:db8::1]:8443',
];
const TEXT = [
  'CA123',
  'completed',
  'Zoë & <Bob>',
  'a b+c',
  "it's",
  '100%',
  '=&?',
  '日本',
  '',
  '+14155550100',
  'x'.repeat(40),
];

interface GeneratedRequest {
  label: string;
  url: string;
  contentType: string;
  rawBody: string;
  signature: string;
}

/** One request as Twilio (or a forger) might send it: form or JSON, query or not, ports, and a tampering. */
function generateRequest(seed: number): GeneratedRequest {
  const r = random(seed);
  const base = r.pick(BASES);
  const path = r.pick(['/twilio/status', '/twilio/recording', '/twilio/voice']);
  const query = new URLSearchParams();
  if (r.chance(0.5))
    for (let i = 0, n = 1 + Math.floor(r.next() * 3); i < n; i++)
      query.append(r.pick(['tenant', 'a', 'note', 'x y']), r.pick(TEXT));
  const json = r.chance(0.5);
  const fields: Record<string, string> = { CallSid: `CA${seed}`, AccountSid: 'ACgen', CallStatus: r.pick(TEXT) };
  if (r.chance(0.5)) fields.CallerName = r.pick(TEXT);
  let rawBody: string;
  if (json) {
    rawBody = JSON.stringify(fields);
    if (r.chance(0.85)) query.set('bodySHA256', twilio.getExpectedBodyHash(rawBody));
  } else {
    const form = new URLSearchParams(fields);
    if (r.chance(0.3)) form.append('Digits', r.pick(['1', '2', '3']));
    rawBody = form.toString();
    if (r.chance(0.1)) query.set('bodySHA256', twilio.getExpectedBodyHash(rawBody));
  }
  const queryText = query.toString();
  const received = base + path + (queryText ? `?${queryText}` : '');
  // What Twilio signed: usually the URL received; sometimes with the port changed, or the bare URL.
  let signedUrl = received;
  const variant = r.next();
  if (variant < 0.15) signedUrl = received.replace(/:(443|80)(?=\/)/, '');
  else if (variant < 0.3 && !/\]:|:\d+\//.test(received))
    signedUrl = received.replace(/^(https?:\/\/[^/]+)/, (m) => `${m}${m.startsWith('https') ? ':443' : ':80'}`);
  else if (variant < 0.4) signedUrl = base + path;
  const formParams = json ? {} : (querystring.parse(rawBody) as Record<string, string | string[]>);
  let signature = twilio.getExpectedTwilioSignature(r.chance(0.9) ? TOKEN : 'another-token', signedUrl, formParams);
  let contentType = json
    ? r.pick(['application/json', 'application/json; charset=utf-8'])
    : 'application/x-www-form-urlencoded';
  const tamper = r.next();
  let label = `${json ? 'json' : 'form'} ${received} signed over ${signedUrl}`;
  if (tamper < 0.1) {
    rawBody = json ? rawBody.replace('"ACgen"', '"ACevil"') : rawBody.replace('ACgen', 'ACevil');
    label += ', body changed';
  } else if (tamper < 0.15) {
    signature = `${signature.slice(0, -3)}abc`;
    label += ', signature changed';
  } else if (tamper < 0.2 && json) {
    contentType = 'application/x-www-form-urlencoded';
    label += ', labelled a form';
  } else if (tamper < 0.25 && received.includes('bodySHA256')) {
    const upper = received.replace(/bodySHA256=([0-9a-f]+)/, (_m, hash: string) => `bodySHA256=${hash.toUpperCase()}`);
    label += ', hash in upper case';
    return { label, url: upper, contentType, rawBody, signature };
  }
  return { label, url: received, contentType, rawBody, signature };
}

/** The official package's verdict, chosen as its webhook middleware does (URL mentions bodySHA256 → body variant). */
function officialVerdict(request: GeneratedRequest): boolean {
  const isJson = /json/.test(request.contentType);
  if (isJson || request.url.includes('bodySHA256')) {
    // A JSON body without bodySHA256 has nothing that covers it: Twilio's rule makes it invalid.
    if (!new URL(request.url).searchParams.has('bodySHA256')) return false;
    return twilio.validateRequestWithBody(TOKEN, request.signature, request.url, request.rawBody);
  }
  return twilio.validateRequest(
    TOKEN,
    request.signature,
    request.url,
    querystring.parse(request.rawBody) as Record<string, string>,
  );
}

describe("our verdict against the official twilio package's", () => {
  it('agrees on every one of 600 generated requests (form and JSON, queries, ports, tampering)', () => {
    const disagreements: string[] = [];
    let valid = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const request = generateRequest(seed);
      const rawBody = Buffer.from(request.rawBody, 'utf8');
      const ours = verifyTwilioRequest(
        {
          signature: request.signature,
          url: request.url,
          contentType: request.contentType,
          rawBody,
          params: /json/.test(request.contentType) ? {} : parseTwilioForm(rawBody),
        },
        [TOKEN],
      );
      const theirs = officialVerdict(request);
      if (theirs) valid++;
      if (ours !== theirs) disagreements.push(`#${seed} ${request.label}: ours ${ours}, twilio ${theirs}`);
    }
    expect(disagreements).toEqual([]);
    // The generator makes both verdicts common, so agreement means something.
    expect(valid).toBeGreaterThan(150);
    expect(valid).toBeLessThan(450);
  });

  it('refuses a JSON body with no bodySHA256, signed over the bare URL (one captured signature would forge any event)', () => {
    const url = 'https://hooks.example.com/twilio/status';
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, {});
    const rawBody = Buffer.from('{"CallSid":"CA1","AccountSid":"AC1","CallStatus":"completed"}');
    expect(verifyTwilioRequest({ signature, url, contentType: 'application/json', rawBody, params: {} }, [TOKEN])).toBe(
      false,
    );
  });
});
