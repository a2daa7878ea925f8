/**
 * The phone keypad (DTMF) in a conversation: digits the caller presses are collected into one
 * entry — ended by the terminator key, the inter-digit timeout or the maximum length — and given
 * to the model as the caller's input; the built-in `send_dtmf` tool lets the model press keys
 * itself (an IVR menu on an outbound call), where the call's path can carry them.
 */
import { llm } from '@livekit/agents';
import type { AgentInput } from '@speaknode/contracts';

export const SEND_DTMF_TOOL = 'send_dtmf';
/** The keys of a telephone keypad (RFC 4733 events 0–15). */
export const DTMF_DIGITS = /^[0-9*#A-D]$/;
/** Pause between the keys the agent presses: receivers need a gap to tell two equal keys apart. */
const KEY_GAP_MS = 200;

export type KeypadSettings = AgentInput['keypad'];

/** RFC 4733 event code of a key (`0`–`9` are themselves, `*` 10, `#` 11, `A`–`D` 12–15). */
export function dtmfCode(digit: string): number {
  if (/^[0-9]$/.test(digit)) return Number(digit);
  if (digit === '*') return 10;
  if (digit === '#') return 11;
  return digit.toUpperCase().charCodeAt(0) - 'A'.charCodeAt(0) + 12;
}

/** How a collected entry reads to the model. */
export function keypadInput(digits: string): string {
  return `[keypad] The caller pressed: ${digits}`;
}

/** Collects the caller's key presses into entries. */
export class KeypadEntry {
  private digits = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: KeypadSettings,
    private readonly deliver: (digits: string) => void,
  ) {}

  /** A key the caller pressed; anything that is not a DTMF key is ignored. */
  press(key: string): void {
    const digit = key.toUpperCase();
    if (!DTMF_DIGITS.test(digit)) return;
    clearTimeout(this.timer);
    if (digit === this.settings.terminator) {
      this.finish();
      return;
    }
    this.digits += digit;
    if (this.digits.length >= this.settings.maxDigits) {
      this.finish();
      return;
    }
    this.timer = setTimeout(() => this.finish(), this.settings.interDigitTimeoutMs);
    this.timer.unref();
  }

  /** Whether an entry is being typed. */
  get pending(): boolean {
    return this.digits.length > 0;
  }

  private finish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const digits = this.digits;
    this.digits = '';
    // A lone terminator is a key too ("press # to continue").
    this.deliver(digits || this.settings.terminator);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.digits = '';
  }
}

/** `send_dtmf`: the model presses keys, one after another, on the caller's line. */
export function sendDtmfTool(send: (digit: string) => Promise<void>) {
  return llm.tool({
    name: SEND_DTMF_TOOL,
    description:
      'Press keys on the phone keypad (DTMF), e.g. to pick an option in an automated phone menu. Keys: 0-9, *, #, A-D.',
    parameters: {
      type: 'object',
      properties: {
        digits: { type: 'string', pattern: '^[0-9*#A-Da-d]{1,32}$', description: 'the keys to press, in order' },
      },
      required: ['digits'],
    } as never,
    execute: async (args: { digits?: string }) => {
      const digits = typeof args?.digits === 'string' ? args.digits.toUpperCase() : '';
      if (!/^[0-9*#A-D]{1,32}$/.test(digits)) {
        throw new llm.ToolError('digits must be 1 to 32 keys of 0-9, *, # and A-D');
      }
      for (let i = 0; i < digits.length; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, KEY_GAP_MS));
        try {
          await send(digits[i] as string);
        } catch (error) {
          throw new llm.ToolError(`pressing ${digits[i]} failed: ${(error as Error).message}`);
        }
      }
      return `Pressed ${digits}.`;
    },
  });
}
