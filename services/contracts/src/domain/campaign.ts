import { z } from 'zod';
import { Id, Timestamp } from './common.ts';
import { CallVariables, VariableName } from './outbound-call.ts';

/** The most contacts one campaign holds. */
export const MAX_CAMPAIGN_CONTACTS = 100_000;

export const CAMPAIGN_STATUSES = ['draft', 'running', 'paused', 'completed', 'cancelled'] as const;
/** `draft → running ⇄ paused → completed | cancelled` (a draft or paused campaign may be cancelled too). */
export const CampaignStatus = z.enum(CAMPAIGN_STATUSES);
export type CampaignStatus = z.infer<typeof CampaignStatus>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

const ClockTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time of day HH:MM (00:00–24:00)');

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** When the campaign may dial: the allowed weekdays and hours in the contacts' time zone. */
export const CampaignSchedule = z
  .object({
    /** An IANA time zone such as `Europe/London`. */
    timeZone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Europe/London').default('UTC'),
    days: z
      .array(Weekday)
      .min(1)
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'must not repeat a day')
      .default(['mon', 'tue', 'wed', 'thu', 'fri']),
    /** The first minute calls may start (local time). */
    startTime: ClockTime.default('09:00'),
    /** No call starts at or after this time (local time); after startTime. */
    endTime: ClockTime.default('18:00'),
  })
  .strict()
  .refine((s) => s.endTime > s.startTime, { message: 'endTime must be after startTime', path: ['endTime'] });
export type CampaignSchedule = z.infer<typeof CampaignSchedule>;

const RetryDelay = z.number().int().min(1).max(10_080);

/** How often a contact is tried, and how long to wait before the next try after each outcome. */
export const CampaignRetryPolicy = z
  .object({
    /** Tries per contact, the first included. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** Minutes before the next try, per outcome of the last one. */
    delayMinutes: z
      .object({
        busy: RetryDelay.default(30),
        no_answer: RetryDelay.default(60),
        failed: RetryDelay.default(120),
      })
      .strict()
      .default({ busy: 30, no_answer: 60, failed: 120 }),
  })
  .strict();
export type CampaignRetryPolicy = z.infer<typeof CampaignRetryPolicy>;

/** Which CSV columns (by header) give a contact's number and the agent's variables. */
export const CampaignColumns = z
  .object({
    number: z.string().min(1).max(200),
    /** Variable name → CSV header. */
    variables: z
      .record(VariableName, z.string().min(1).max(200))
      .refine((v) => Object.keys(v).length <= 50, { message: 'at most 50 variables' })
      .default({}),
  })
  .strict();
export type CampaignColumns = z.infer<typeof CampaignColumns>;

export const CampaignInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    agentId: Id,
    /** The space's phone number the calls come from (the caller ID). */
    phoneNumberId: Id,
    schedule: CampaignSchedule.default({
      timeZone: 'UTC',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      startTime: '09:00',
      endTime: '18:00',
    }),
    /** The most calls of this campaign in progress at once. */
    maxConcurrentCalls: z.number().int().min(1).max(500).default(5),
    /** The most calls per second started from the campaign's number (all campaigns on the number together). */
    callsPerSecond: z.number().int().min(1).max(1000).default(1),
    retry: CampaignRetryPolicy.default({ maxAttempts: 3, delayMinutes: { busy: 30, no_answer: 60, failed: 120 } }),
    /** The CSV import's mapping. */
    columns: CampaignColumns,
    /** Twilio stream-mode numbers only: a voicemail greeting ends the call (outcome `voicemail`). */
    answeringMachineDetection: z.boolean().default(false),
  })
  .strict();
export type CampaignInput = z.infer<typeof CampaignInput>;

export const CONTACT_STATUSES = ['pending', 'dialling', 'completed', 'failed', 'skipped', 'cancelled'] as const;
/**
 * `pending` (waiting for its first or next try), `dialling` (a call in progress), then one of
 * `completed` (answered, or a voicemail), `failed` (tries used up or the call could not be
 * placed), `skipped` (on the do-not-call list), `cancelled` (the campaign was cancelled first).
 */
export const CampaignContactStatus = z.enum(CONTACT_STATUSES);
export type CampaignContactStatus = z.infer<typeof CampaignContactStatus>;

/** What a contact's last try came to. */
export const CampaignOutcome = z.enum([
  'answered',
  'voicemail',
  'busy',
  'no_answer',
  'failed',
  'refused',
  'do_not_call',
]);
export type CampaignOutcome = z.infer<typeof CampaignOutcome>;

const Count = z.number().int().nonnegative();
/** How many contacts are in each status. */
export const CampaignProgress = z.object({
  total: Count,
  pending: Count,
  dialling: Count,
  completed: Count,
  failed: Count,
  skipped: Count,
  cancelled: Count,
});
export type CampaignProgress = z.infer<typeof CampaignProgress>;

export const Campaign = CampaignInput.extend({
  id: Id,
  spaceId: Id,
  status: CampaignStatus,
  progress: CampaignProgress,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  startedAt: Timestamp.nullable(),
  completedAt: Timestamp.nullable(),
});
export type Campaign = z.infer<typeof Campaign>;

export const CampaignContact = z.object({
  id: Id,
  campaignId: Id,
  /** The CSV line it was imported from (the header is line 1). */
  line: z.number().int(),
  number: z.string(),
  variables: CallVariables,
  status: CampaignContactStatus,
  attempts: z.number().int(),
  lastOutcome: CampaignOutcome.nullable(),
  /** Why the last try failed, when it did. */
  lastReason: z.string().nullable(),
  nextAttemptAt: Timestamp.nullable(),
  /** The contact's calls, first try first. */
  callIds: z.array(Id),
  updatedAt: Timestamp,
});
export type CampaignContact = z.infer<typeof CampaignContact>;

/** `POST …/contacts` as JSON (small lists; large ones are sent as `text/csv`). */
export const CampaignContactsImport = z.object({ csv: z.string().max(5_000_000) }).strict();

export const CampaignImportResult = z.object({
  imported: z.number().int(),
  /** Rows refused, each with its CSV line and why (the first 1000). */
  errors: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  errorCount: z.number().int(),
  total: z.number().int(),
});
export type CampaignImportResult = z.infer<typeof CampaignImportResult>;
