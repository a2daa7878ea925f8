import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** One VoxImplant account's callback secrets, from VOXIMPLANT_ACCOUNTS. */
export const VoximplantAccount = z.object({
  accountId: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]).transform(String),
  /** The account's API key and the "Security salt" of its HTTP callback: account callbacks carry md5(salt + account_id + api_key + callback_id). */
  apiKey: z.string().min(1).optional(),
  callbackSalt: z.string().min(1).max(40).optional(),
  /** Shared with the account's VoxEngine scenarios: they sign the JSON body with HMAC-SHA256 (hex) in X-Speaknode-Signature. */
  scenarioSecret: z.string().min(16).optional(),
});
export type VoximplantAccount = z.infer<typeof VoximplantAccount>;

export const VoximplantAccounts = z.array(VoximplantAccount).max(1000);

/** Parses the VOXIMPLANT_ACCOUNTS variable (a JSON array); throws with the field that is wrong. */
export function parseVoximplantAccounts(json: string | undefined): Map<string, VoximplantAccount> {
  if (!json) return new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('VOXIMPLANT_ACCOUNTS must be a JSON array of {accountId, apiKey, callbackSalt, scenarioSecret}');
  }
  const parsed = VoximplantAccounts.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`VOXIMPLANT_ACCOUNTS: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return new Map(parsed.data.map((a) => [a.accountId, a]));
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** VoxImplant's account callback hash: md5(account_salt + account_id + api_key + callback_id), hex. */
export function accountCallbackHash(salt: string, accountId: string, apiKey: string, callbackId: string): string {
  return createHash('md5').update(`${salt}${accountId}${apiKey}${callbackId}`).digest('hex');
}

export function verifyAccountCallback(
  account: VoximplantAccount | undefined,
  callback: { account_id: string; callback_id: string; hash: string },
): boolean {
  if (!account?.apiKey || !account.callbackSalt) return false;
  const expected = accountCallbackHash(account.callbackSalt, callback.account_id, account.apiKey, callback.callback_id);
  return safeEqual(callback.hash.toLowerCase(), expected);
}

export function scenarioSignature(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

export function verifyScenarioCallback(
  account: VoximplantAccount | undefined,
  signature: string | undefined,
  rawBody: Buffer,
): boolean {
  if (!account?.scenarioSecret || !signature) return false;
  return safeEqual(signature.trim().toLowerCase(), scenarioSignature(account.scenarioSecret, rawBody));
}
