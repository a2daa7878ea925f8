import type { TelephonyProvider } from '@speaknode/contracts';
import { checkStreamToken } from '@speaknode/contracts/node';
import type { WebSocket } from 'ws';
import { CloseCode, type LegDeps } from '../leg.ts';
import type { LegOutcome, RejectReason } from '../metrics.ts';

export interface SocketLimits {
  maxMessageBytes: number;
  startTimeoutMs: number;
  maxInvalidMessages: number;
  maxMessagesPerSecond: number;
}

/** Limits every provider socket shares. */
export const SOCKET_LIMITS: SocketLimits = {
  /** Largest WebSocket message accepted (ws closes with 1009 beyond it). */
  maxMessageBytes: 64 * 1024,
  /** Time allowed between connecting and the first `start`. */
  startTimeoutMs: 10_000,
  /** Unparseable or malformed messages tolerated before the socket is closed. */
  maxInvalidMessages: 20,
  /** Messages per second (8× what a real stream sends) before the socket is closed. */
  maxMessagesPerSecond: 400,
};

/**
 * Strict base64: Node's decoder silently skips bad characters and accepts the URL-safe alphabet
 * and missing padding, so the bytes must encode back to exactly the text (a fraction of the cost
 * of a regular expression over a 16 kHz payload).
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length === 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** The parts of a provider session that do not depend on the protocol: limits, counting, closing. */
export abstract class ProviderSession {
  protected closed = false;
  /** How legs on this socket end when it closes: `socket_closed` unless the bridge is shutting down. */
  protected closeOutcome: LegOutcome = 'socket_closed';
  private invalid = 0;
  private windowStart = 0;
  private windowCount = 0;
  private readonly startTimer: NodeJS.Timeout;
  protected readonly limits: SocketLimits;

  constructor(
    protected readonly provider: TelephonyProvider,
    protected readonly socket: WebSocket,
    protected readonly deps: LegDeps,
    limits: SocketLimits = SOCKET_LIMITS,
  ) {
    this.limits = limits;
    this.startTimer = setTimeout(() => {
      if (!this.hasStarted())
        this.close(CloseCode.policyViolation, `no start message within ${limits.startTimeoutMs / 1000} s`);
    }, limits.startTimeoutMs);
    socket.on('message', (data, isBinary) => this.onRaw(data as Buffer, isBinary));
    socket.on('close', () => {
      clearTimeout(this.startTimer);
      this.closed = true;
      this.onSocketClosed();
    });
    socket.on('error', () => {
      // 'close' follows; ws reports oversize messages here and closes with 1009 itself.
    });
  }

  protected abstract hasStarted(): boolean;
  protected abstract onMessage(message: Record<string, unknown>): void;
  protected abstract onSocketClosed(): void;

  private onRaw(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    const now = performance.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    if (++this.windowCount > this.limits.maxMessagesPerSecond) {
      this.reject('too_many_messages');
      this.close(CloseCode.policyViolation, 'too many messages per second');
      return;
    }
    if (isBinary) {
      this.reject('binary_frame');
      this.close(CloseCode.unsupportedData, 'binary frames are not part of this protocol; send JSON text');
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      this.invalidInput('invalid_json');
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.invalidInput('invalid_message');
      return;
    }
    try {
      this.onMessage(message as Record<string, unknown>);
    } catch (error) {
      // A bug in handling one message must not take the process down; the leg ends cleanly.
      this.deps.log?.({
        level: 'error',
        msg: 'internal error handling a provider message; closing the socket',
        provider: this.provider,
        error: (error as Error).stack ?? String(error),
      });
      this.close(CloseCode.internalError, `internal error: ${(error as Error).message}`.slice(0, 120));
    }
  }

  /**
   * With a stream secret configured, the start's `streamToken` must be one the webhook receiver
   * signed for this call (`checkStreamToken`); otherwise the socket is closed 1008 and nothing
   * reaches control or the room.
   */
  protected authorised(parameters: { callId: string; streamToken?: string | undefined }): boolean {
    const secret = this.deps.streamSecret;
    if (secret === undefined) return true;
    const check =
      parameters.streamToken === undefined
        ? 'missing'
        : checkStreamToken(secret, parameters.callId, parameters.streamToken);
    if (check === 'valid') return true;
    this.reject('unauthenticated');
    this.close(CloseCode.policyViolation, `stream token ${check}`);
    return false;
  }

  protected reject(reason: RejectReason): void {
    this.deps.metrics.rejected(this.provider, reason);
  }

  /** Count a malformed message; too many of them close the socket. */
  protected invalidInput(reason: RejectReason): void {
    this.reject(reason);
    if (++this.invalid > this.limits.maxInvalidMessages) {
      this.close(CloseCode.invalidPayload, `more than ${this.limits.maxInvalidMessages} malformed messages`);
    }
  }

  protected send(message: unknown): void {
    this.sendText(JSON.stringify(message));
  }

  protected sendText(text: string): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(text);
  }

  /** The bridge is stopping: end the legs as `shutdown` and close with 1001. */
  shutdown(): void {
    this.closeOutcome = 'shutdown';
    this.close(CloseCode.goingAway, 'the bridge is shutting down');
  }

  /** Close the socket with a code and a reason (≤ 123 bytes, as RFC 6455 allows). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.startTimer);
    this.onSocketClosed();
    const text = Buffer.from(reason).subarray(0, 123).toString('utf8');
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, text);
  }
}
