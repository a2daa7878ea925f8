import { readFileSync } from 'node:fs';

export const SCENARIO_PATH = new URL('../scenario/speaknode.voxengine.js', import.meta.url);

export interface ScenarioSettings {
  /** The webhook receiver's `/voximplant` URL as VoxImplant reaches it. */
  webhookUrl: string;
  accountId: string;
  /** The account's `scenarioSecret` in the receiver's VOXIMPLANT_ACCOUNTS. */
  scenarioSecret: string;
  /** The media bridge's `/voximplant` WebSocket URL, for outbound calls; unset keeps the placeholder. */
  bridgeUrl?: string;
}

const CONSTANTS: Record<keyof ScenarioSettings, string> = {
  webhookUrl: 'SPEAKNODE_WEBHOOK_URL',
  accountId: 'SPEAKNODE_ACCOUNT_ID',
  scenarioSecret: 'SPEAKNODE_SCENARIO_SECRET',
  bridgeUrl: 'SPEAKNODE_BRIDGE_URL',
};

/** The scenario with its settings filled in, ready to upload to VoxImplant. */
export function configuredScenario(settings: ScenarioSettings): string {
  let source = readFileSync(SCENARIO_PATH, 'utf8');
  for (const [key, constant] of Object.entries(CONSTANTS) as [keyof ScenarioSettings, string][]) {
    const line = new RegExp(`^const ${constant} = .*;$`, 'm');
    if (!line.test(source)) throw new Error(`the scenario has no line "const ${constant} = …;"`);
    if (settings[key] === undefined) continue;
    source = source.replace(line, () => `const ${constant} = ${JSON.stringify(settings[key])};`);
  }
  return source;
}
