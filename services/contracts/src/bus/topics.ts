/** Every bus topic, named once. Kafka topic names and the embedded transports use these strings. */
export const Topics = {
  /** State changes of the control API, published from its outbox. */
  controlEvents: 'control.events',
  webhooksTwilio: 'webhooks.twilio',
  webhooksVoximplant: 'webhooks.voximplant',
  webhooksLivekit: 'webhooks.livekit',
  webhooksInbound: 'webhooks.inbound',
  /** OpenTelemetry spans from the agent worker (written by the collector's Kafka exporter). */
  agentTelemetrySpans: 'agent.telemetry.spans',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];
export const ALL_TOPICS: readonly Topic[] = Object.values(Topics);
