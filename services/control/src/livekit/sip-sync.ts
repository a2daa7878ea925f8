import type pg from 'pg';
import type { Logger } from '../context.ts';
import type { LivekitGateway, SipNumber } from './livekit-gateway.ts';

/**
 * Keeps LiveKit SIP's trunks and dispatch rules in step with the SIP-mode numbers in control. Runs
 * one sync at a time (start, timer and number changes can ask together), each reading the numbers afresh.
 */
export class SipNumberSync {
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly gateway: LivekitGateway,
    private readonly log: Logger,
  ) {}

  sync(): Promise<void> {
    const run = this.running.then(() => this.syncOnce());
    this.running = run.catch(() => {});
    return run;
  }

  private async syncOnce(): Promise<void> {
    const { rows } = await this.pool.query<SipNumber>(
      `SELECT id AS "phoneNumberId", space_id AS "spaceId", agent_id AS "agentId", number
       FROM phone_numbers WHERE mode = 'sip' ORDER BY created_at`,
    );
    const result = await this.gateway.syncSipNumbers(rows);
    if (result.created.length + result.updated.length + result.deleted.length > 0) {
      this.log.info('LiveKit SIP trunks and dispatch rules updated', { ...result });
    }
  }
}
