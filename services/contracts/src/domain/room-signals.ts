/**
 * What the agent tells the other participants of a call's room beyond LiveKit's own attributes
 * (`lk.agent.state`). The media bridge listens: a phone provider plays the agent's audio from a
 * buffer, so when the caller cuts the agent off, that buffer must be dropped at once (Twilio
 * `clear`). The agent publishes a reliable data packet on this topic (any payload) at the moment
 * of the interruption, as its own voice activity detection judged it.
 */
export const AGENT_INTERRUPTED_TOPIC = 'speaknode.agent.interrupted';
