// How the `derived` dates of domain/einvoice/declaration-calendar.json were made, kept as a check:
// the usual rule, run on the State Council holiday arrangements below, must give every date in the
// file, and it must reproduce the STA's published dates. A typo in the data file fails here.
// The runtime never uses this rule: the data file is the calendar.
import { declarationCalendar } from '../../domain/einvoice/declaration-calendar';

/** Holidays (rest days, inclusive); 2025-2026 as recalled, 2027 assumed (see each entry's note). */
const HOLIDAYS: Array<[string, string]> = [
  ['2023-12-30', '2024-01-01'], ['2024-02-10', '2024-02-17'], ['2024-04-04', '2024-04-06'], ['2024-05-01', '2024-05-05'],
  ['2024-06-08', '2024-06-10'], ['2024-09-15', '2024-09-17'], ['2024-10-01', '2024-10-07'],
  ['2025-01-01', '2025-01-01'], ['2025-01-28', '2025-02-04'], ['2025-04-04', '2025-04-06'], ['2025-05-01', '2025-05-05'],
  ['2025-05-31', '2025-06-02'], ['2025-10-01', '2025-10-08'],
  ['2026-01-01', '2026-01-03'], ['2026-02-15', '2026-02-23'], ['2026-04-04', '2026-04-06'], ['2026-05-01', '2026-05-05'],
  ['2026-06-19', '2026-06-21'], ['2026-09-25', '2026-09-27'], ['2026-10-01', '2026-10-07'],
  ['2027-01-01', '2027-01-03'], ['2027-02-05', '2027-02-12'], ['2027-04-03', '2027-04-05'], ['2027-05-01', '2027-05-05'],
  ['2027-06-09', '2027-06-09'], ['2027-09-15', '2027-09-15'], ['2027-10-01', '2027-10-07'],
];
/** Weekend days made working days (调休). */
const MAKEUP_WORKDAYS = [
  '2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12',
  '2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11',
  '2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10',
];

const DAY = 86_400_000;
const ms = (d: string) => Date.parse(`${d}T00:00:00Z`);
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const rest = new Set<string>();
for (const [from, to] of HOLIDAYS) for (let t = ms(from); t <= ms(to); t += DAY) rest.add(iso(t));
const isRest = (t: number) => rest.has(iso(t)) || (!MAKEUP_WORKDAYS.includes(iso(t)) && [0, 6].includes(new Date(t).getUTCDay()));

/**
 * The deadline in month `ym` (yyyy-MM): rest days in runs of 3 or more within the 1st-15th add that
 * many working days after the 15th; with none, a 15th on a rest day moves to the next working day.
 */
function ruleDeadline(ym: string): string {
  let extra = 0;
  let run = 0;
  for (let t = ms(`${ym}-01`); t <= ms(`${ym}-15`); t += DAY) {
    if (isRest(t)) run++;
    else {
      if (run >= 3) extra += run;
      run = 0;
    }
  }
  if (run >= 3) extra += run;
  let t = ms(`${ym}-15`);
  if (extra === 0) {
    while (isRest(t)) t += DAY;
    return iso(t);
  }
  while (extra > 0) {
    t += DAY;
    if (!isRest(t)) extra--;
  }
  return iso(t);
}

describe('the rule behind derived deadlines', () => {
  const entries = [...declarationCalendar().entries.values()];
  const deadlineMonth = (period: string) => {
    const [y, m] = period.split('-').map(Number);
    return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  };

  it('reproduces every published date', () => {
    const published = entries.filter((e) => e.basis === 'published');
    expect(published).toHaveLength(7);
    for (const e of published) expect([e.period, ruleDeadline(deadlineMonth(e.period))]).toEqual([e.period, e.deadline]);
  });

  it('gives every derived date in the data file', () => {
    for (const e of entries.filter((x) => x.basis === 'derived')) {
      expect([e.period, ruleDeadline(deadlineMonth(e.period))]).toEqual([e.period, e.deadline]);
    }
  });
});
