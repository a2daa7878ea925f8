import type { TelephonyProvider } from '@speaknode/contracts';

/** Why an input was ignored or a socket closed; each is a `reason` label on `bridge_input_rejected_total`. */
export type RejectReason =
  | 'invalid_json'
  | 'invalid_message'
  | 'unknown_event'
  | 'bad_base64'
  | 'bad_payload_size'
  | 'media_before_start'
  | 'flood'
  | 'binary_frame'
  | 'second_start'
  | 'too_many_messages'
  | 'bad_dtmf'
  | 'unknown_mark'
  | 'unauthenticated';

export type LegOutcome =
  | 'caller_hangup'
  | 'socket_closed'
  | 'agent_left'
  | 'room_closed'
  | 'join_failed'
  | 'unknown_call'
  | 'control_unavailable'
  | 'protocol_error'
  | 'no_agent'
  | 'shutdown';

/** Lateness of outbound frames against their 20 ms slots, in 0.1 ms buckets up to 1 s. */
export class LatenessHistogram {
  readonly buckets = new Uint32Array(10001);
  count = 0;
  sum = 0;
  max = 0;

  record(ms: number): void {
    const v = Math.max(ms, 0);
    this.buckets[Math.min(10000, Math.floor(v * 10))]!++;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  /** The value at quantile `q` (0..1): the upper edge of its 0.1 ms bucket (5.0 means at least 4.9 and below 5.0). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const target = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i] as number;
      if (seen >= target) return (i + 1) / 10;
    }
    return this.max;
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }
}

/** The bridge's counters, rendered in the Prometheus text format at `/metrics`. */
export class BridgeMetrics {
  readonly activeLegs: Record<TelephonyProvider, number> = { twilio: 0, voximplant: 0 };
  private readonly counters = new Map<string, number>();
  readonly lateness = new LatenessHistogram();

  get active(): number {
    return this.activeLegs.twilio + this.activeLegs.voximplant;
  }

  inc(name: string, labels: Record<string, string>, by = 1): void {
    const key = `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  rejected(provider: TelephonyProvider, reason: RejectReason): void {
    this.inc('bridge_input_rejected_total', { provider, reason });
  }

  /** A counter's value, for tests and /readyz. */
  value(name: string, labels: Record<string, string>): number {
    const key = `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;
    return this.counters.get(key) ?? 0;
  }

  render(): string {
    const lines: string[] = [
      '# HELP bridge_legs_active Phone legs now connected.',
      '# TYPE bridge_legs_active gauge',
      ...Object.entries(this.activeLegs).map(([p, n]) => `bridge_legs_active{provider="${p}"} ${n}`),
    ];
    const byName = new Map<string, string[]>();
    for (const [key, value] of [...this.counters].sort()) {
      const name = key.slice(0, key.indexOf('{'));
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name)?.push(`${key} ${value}`);
    }
    for (const [name, series] of byName) lines.push(`# TYPE ${name} counter`, ...series);
    lines.push(
      '# HELP bridge_outbound_frame_lateness_ms How late outbound frames left against their 20 ms slot.',
      '# TYPE bridge_outbound_frame_lateness_ms summary',
      `bridge_outbound_frame_lateness_ms{quantile="0.5"} ${this.lateness.quantile(0.5)}`,
      `bridge_outbound_frame_lateness_ms{quantile="0.99"} ${this.lateness.quantile(0.99)}`,
      `bridge_outbound_frame_lateness_ms_sum ${this.lateness.sum.toFixed(1)}`,
      `bridge_outbound_frame_lateness_ms_count ${this.lateness.count}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
