import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * The E.164 form of a number someone asked the platform to call, or null when it is not a valid,
 * dialable number (libphonenumber's metadata: length and ranges per country). Only international
 * form is accepted: without a country the digits are ambiguous, and a wrong guess calls a stranger.
 */
export function dialableE164(value: string): string | null {
  const trimmed = value.trim();
  if (!trimmed.startsWith('+')) return null;
  const parsed = parsePhoneNumberFromString(trimmed);
  if (!parsed?.isValid()) return null;
  return parsed.number;
}
