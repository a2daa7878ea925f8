/** The periods the Usage page offers, as the `from`/`to` instants the usage API takes. */
export type PeriodPreset = '7d' | '30d' | 'this-month' | 'last-month' | 'custom';

export interface Period {
  from: string;
  to: string;
}

const DAY = 86_400_000;

export function periodOf(preset: Exclude<PeriodPreset, 'custom'>, now = new Date()): Period {
  const startOfMonth = (year: number, month: number) => new Date(year, month, 1);
  switch (preset) {
    case '7d':
      return { from: new Date(now.getTime() - 7 * DAY).toISOString(), to: now.toISOString() };
    case '30d':
      return { from: new Date(now.getTime() - 30 * DAY).toISOString(), to: now.toISOString() };
    case 'this-month':
      return { from: startOfMonth(now.getFullYear(), now.getMonth()).toISOString(), to: now.toISOString() };
    case 'last-month':
      return {
        from: startOfMonth(now.getFullYear(), now.getMonth() - 1).toISOString(),
        to: startOfMonth(now.getFullYear(), now.getMonth()).toISOString(),
      };
  }
}

/** A custom period from two `<input type="date">` values (local days, `to` inclusive). */
export function customPeriod(fromDay: string, toDay: string): Period | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(fromDay) || !/^\d{4}-\d{2}-\d{2}$/.test(toDay)) return undefined;
  const from = new Date(`${fromDay}T00:00:00`);
  const to = new Date(new Date(`${toDay}T00:00:00`).getTime() + DAY);
  return { from: from.toISOString(), to: to.toISOString() };
}

/** Seconds as minutes for the usage cards (one decimal under ten minutes). */
export function minutes(seconds: number): string {
  const m = seconds / 60;
  return m < 10 ? m.toFixed(1) : Math.round(m).toLocaleString('en-US');
}
