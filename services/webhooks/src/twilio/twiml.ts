/** TwiML answers for incoming calls. Every attribute and text value is XML-escaped. */

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

export function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** Connects the call's audio to the media bridge over a Media Streams WebSocket. */
export function connectStreamTwiml(streamUrl: string, parameters: Record<string, string>): string {
  const params = Object.entries(parameters)
    .map(([name, value]) => `<Parameter name="${escapeXml(name)}" value="${escapeXml(value)}"/>`)
    .join('');
  return `${XML_HEAD}<Response><Connect><Stream url="${escapeXml(streamUrl)}">${params}</Stream></Connect></Response>`;
}

/** Dials LiveKit SIP; `headers` become `X-` SIP headers on the INVITE (Twilio passes them from the URI query). */
export function dialSipTwiml(sipUri: string, headers: Record<string, string>): string {
  const query = Object.entries(headers)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  const uri = query ? `${sipUri}?${query}` : sipUri;
  return `${XML_HEAD}<Response><Dial><Sip>${escapeXml(uri)}</Sip></Dial></Response>`;
}

/** A polite goodbye: used for numbers no agent answers and when the platform cannot take the call. */
export function sayAndHangUpTwiml(message: string): string {
  return `${XML_HEAD}<Response><Say>${escapeXml(message)}</Say><Hangup/></Response>`;
}

/** An empty answer: what Twilio expects from status and other callbacks. */
export function emptyTwiml(): string {
  return `${XML_HEAD}<Response/>`;
}

/**
 * The SIP URI Twilio dials for a sip-mode number: the called number at the LiveKit SIP host.
 * `LIVEKIT_SIP_URI` may be a host (`sip.example.com`), a `sip:` URI, or carry parameters (`;transport=tcp`).
 */
export function livekitSipUri(livekitSipUri: string, calledNumber: string): string {
  const withoutScheme = livekitSipUri.replace(/^sips?:/i, '');
  const scheme = /^sips:/i.test(livekitSipUri) ? 'sips:' : 'sip:';
  const at = withoutScheme.indexOf('@');
  const hostPart = at === -1 ? withoutScheme : withoutScheme.slice(at + 1);
  return `${scheme}${calledNumber}@${hostPart}`;
}
