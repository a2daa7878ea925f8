/** A VoxImplant account as a number's credential holds it (kind `voximplant`: secret = API key). */
export interface VoximplantAccount {
  accountId: string;
  apiKey: string;
  /** The application rule that runs Speaknode's scenario (services/voxengine). */
  ruleId: string;
}

/** VoxImplant refused the request or could not be reached. */
export class VoximplantRefusal extends Error {
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * VoxImplant's HTTP API (Management API): `StartScenarios` runs the rule's scenario in a new
 * session with `script_custom_data`, which Speaknode's scenario reads to place the PSTN call.
 * Parameters go form-encoded with `account_id` and `api_key`; the answer is JSON, `{result: 1,
 * media_session_access_url, …}` or `{error: {code, msg}}`.
 */
export class VoximplantCalls {
  constructor(private readonly apiUrl: string) {}

  async startScenario(account: VoximplantAccount, customData: string): Promise<{ mediaSessionAccessUrl?: string }> {
    const body = new URLSearchParams({
      account_id: account.accountId,
      api_key: account.apiKey,
      rule_id: account.ruleId,
      script_custom_data: customData,
    });
    let response: Response;
    try {
      response = await fetch(`${this.apiUrl.replace(/\/+$/, '')}/StartScenarios/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new VoximplantRefusal(undefined, `VoxImplant could not be reached: ${(error as Error).message}`);
    }
    const answer = (await response.json().catch(() => undefined)) as
      | { result?: number; media_session_access_url?: string; error?: { code?: number; msg?: string } }
      | undefined;
    if (!response.ok || !answer || answer.error || answer.result !== 1) {
      throw new VoximplantRefusal(
        answer?.error?.code,
        answer?.error?.msg ?? `VoxImplant answered ${response.status} without a result`,
      );
    }
    return answer.media_session_access_url ? { mediaSessionAccessUrl: answer.media_session_access_url } : {};
  }
}
