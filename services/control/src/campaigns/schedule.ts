import type { CampaignSchedule, Weekday } from '@speaknode/contracts';

/** What the dialler reads the time from: the system clock in production, a fake one in tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The weekday and `HH:MM` of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): { day: Weekday; time: string } {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: part('weekday').toLowerCase().slice(0, 3) as Weekday, time: `${part('hour')}:${part('minute')}` };
}

/** Whether a call may start at `at`: an allowed day, at or after startTime and before endTime, local time. */
export function withinSchedule(schedule: CampaignSchedule, at: Date): boolean {
  const { day, time } = localTime(at, schedule.timeZone);
  return schedule.days.includes(day) && time >= schedule.startTime && time < schedule.endTime;
}
