import type { CallScope, CallUpdate, CallUsageReport, TranscriptAppend } from '@speaknode/contracts';
import type { CallReporter } from '../conversation/conversation.ts';

/** Control's call endpoints as the worker posts to them (ControlClient). */
export interface CallEndpoints {
  callUpdate(callId: string, update: CallUpdate): Promise<void>;
  appendTranscript(callId: string, append: TranscriptAppend): Promise<void>;
  reportUsage(callId: string, usage: CallUsageReport): Promise<void>;
}

/**
 * A reporter that names the space and agent of the dispatch on every post, so control can refuse
 * (404) a call of another space or agent instead of writing into it.
 */
export function scopedReporter(control: CallEndpoints, scope: CallScope): CallReporter {
  const { spaceId, agentId } = scope;
  return {
    callUpdate: (callId, update) => control.callUpdate(callId, { ...update, spaceId, agentId }),
    appendTranscript: (callId, append) => control.appendTranscript(callId, { ...append, spaceId, agentId }),
    reportUsage: (callId, usage) => control.reportUsage(callId, { ...usage, spaceId, agentId }),
  };
}
