/** The widget's entry: defines `<speaknode-agent>` (once, even if the script is loaded twice). */
import { SpeaknodeAgentElement } from './speaknode-agent.ts';

export type { WidgetState } from './conversation.ts';
export type {
  SpeaknodeErrorDetail,
  SpeaknodeMessageDetail,
  SpeaknodeStateDetail,
  WidgetMode,
} from './speaknode-agent.ts';
export type { WidgetErrorCode } from './widget-error.ts';
export { SpeaknodeAgentElement };

if (!customElements.get('speaknode-agent')) customElements.define('speaknode-agent', SpeaknodeAgentElement);

declare global {
  interface HTMLElementTagNameMap {
    'speaknode-agent': SpeaknodeAgentElement;
  }
}
