// The declaration calendar: the shipped data, its loader's checks, deadlines as instants, and the
// period being declared at a given moment.
import {
  deadlineEntry,
  declarationCalendar,
  declarationDeadline,
  hoursUntilDeadline,
  loadDeclarationCalendar,
  periodBeingDeclared,
  taxDeadlineHours,
} from '../../domain/einvoice/declaration-calendar';
import shipped from '../../domain/einvoice/declaration-calendar.json';

/** A moment in Beijing time, written as the clock there shows it. */
const beijing = (local: string) => new Date(`${local}+08:00`);

describe('the shipped declaration calendar', () => {
  it('has the 2024 deadlines published by the STA (tax-platform.md), marked published', () => {
    const published: Record<string, string> = {
      '2024-01': '2024-02-23',
      '2024-03': '2024-04-18',
      '2024-04': '2024-05-22',
      '2024-05': '2024-06-19',
      '2024-08': '2024-09-18',
      '2024-09': '2024-10-24',
      '2024-11': '2024-12-16',
    };
    for (const [period, day] of Object.entries(published)) {
      expect(deadlineEntry(period)).toMatchObject({ deadline: day, basis: 'published' });
    }
  });

  it('marks every other date derived, and says why in a note', () => {
    const published = [...declarationCalendar().entries.values()].filter((e) => e.basis === 'published');
    expect(published.map((e) => e.period)).toEqual(['2024-01', '2024-03', '2024-04', '2024-05', '2024-08', '2024-09', '2024-11']);
    for (const e of declarationCalendar().entries.values()) expect(e.note.length).toBeGreaterThan(20);
    expect(deadlineEntry('2027-01').note).toMatch(/2027 holidays not known here/);
  });

  it('covers every month whose deadline falls in 2024 to 2027', () => {
    const c = declarationCalendar();
    expect([c.first, c.last, c.entries.size]).toEqual(['2023-12', '2027-11', 48]);
  });

  it('moves a derived deadline on a weekend to the next working day', () => {
    // 2026-03-15 and 2026-11-15 are Sundays, 2025-11-15 a Saturday.
    expect(deadlineEntry('2026-02')).toMatchObject({ deadline: '2026-03-16', basis: 'derived' });
    expect(deadlineEntry('2026-10')).toMatchObject({ deadline: '2026-11-16', basis: 'derived' });
    expect(deadlineEntry('2025-10').deadline).toBe('2025-11-17');
    // A plain month stays on the 15th.
    expect(deadlineEntry('2026-06').deadline).toBe('2026-07-15');
  });
});

describe('deadlines as moments', () => {
  it('a deadline is the end of its day in Beijing (16:00 UTC)', () => {
    expect(declarationDeadline('2024-11').toISOString()).toBe('2024-12-16T16:00:00.000Z');
  });

  it('counts the hours left, negative once passed', () => {
    expect(hoursUntilDeadline(beijing('2024-12-15T00:00:00'), '2024-11')).toBe(48);
    expect(hoursUntilDeadline(beijing('2024-12-16T23:30:00'), '2024-11')).toBe(0.5);
    expect(hoursUntilDeadline(beijing('2024-12-17T01:00:00'), '2024-11')).toBe(-1);
  });
});

describe('the period being declared', () => {
  it('on the 10th of a month is the previous month; after its deadline, the current month', () => {
    expect(periodBeingDeclared(beijing('2026-03-10T09:00:00'))).toBe('2026-02');
    expect(periodBeingDeclared(beijing('2026-03-16T23:59:59'))).toBe('2026-02'); // deadline day, still open
    expect(periodBeingDeclared(beijing('2026-03-17T00:00:00'))).toBe('2026-03');
  });

  it('rolls over at midnight in Beijing, not in UTC', () => {
    // 16:30 UTC on the deadline day is already 00:30 the next day in Beijing: the deadline has passed.
    expect(periodBeingDeclared(new Date('2026-03-16T15:59:59Z'))).toBe('2026-02');
    expect(periodBeingDeclared(new Date('2026-03-16T16:30:00Z'))).toBe('2026-03');
  });

  it('taxDeadlineHours is the whole hours left to that deadline', () => {
    // 2026-03-10 09:00 to the end of 2026-03-16: 6 days and 15 hours.
    expect(taxDeadlineHours(beijing('2026-03-10T09:00:00'))).toBe(6 * 24 + 15);
    expect(taxDeadlineHours(beijing('2026-03-16T23:20:00'))).toBe(0);
    // One second after the deadline: March, declared by 2026-04-20 (Qingming moves it).
    expect(taxDeadlineHours(beijing('2026-03-17T00:00:00'))).toBe(35 * 24);
  });
});

describe('out of range', () => {
  it('a period the calendar does not cover is an error naming it and the range', () => {
    expect(() => declarationDeadline('2028-01')).toThrow('the declaration calendar covers 2023-12 to 2027-11; it has no deadline for 2028-01');
    expect(() => hoursUntilDeadline(new Date(), '2023-11')).toThrow('no deadline for 2023-11');
    expect(() => taxDeadlineHours(beijing('2027-12-20T10:00:00'))).toThrow('no deadline for 2027-12');
  });

  it('a malformed period is an error, not a guess', () => {
    expect(() => declarationDeadline('2026-13')).toThrow('not a tax period (yyyy-MM): "2026-13"');
    expect(() => declarationDeadline('2026-3')).toThrow('not a tax period');
  });
});

describe('loadDeclarationCalendar', () => {
  const entry = (period: string, deadline: string) => ({ period, deadline, basis: 'derived', note: 'test entry' });
  const good = [entry('2026-01', '2026-02-24'), entry('2026-02', '2026-03-16'), entry('2026-03', '2026-04-20')];

  it('loads good data', () => {
    expect(loadDeclarationCalendar({ deadlines: good })).toMatchObject({ first: '2026-01', last: '2026-03' });
  });

  it('refuses a malformed entry, naming it', () => {
    expect(() => loadDeclarationCalendar({ deadlines: [good[0], { ...good[1], deadline: '2026-02-30' }, good[2]] })).toThrow(
      'deadlines[1] (2026-02): deadline "2026-02-30" is not a date (yyyy-MM-dd)',
    );
    expect(() => loadDeclarationCalendar({ deadlines: [good[0], { ...good[1], basis: 'official' }, good[2]] })).toThrow(
      'deadlines[1] (2026-02): basis "official" must be "published" or "derived"',
    );
    expect(() => loadDeclarationCalendar({ deadlines: [good[0], { ...good[1], period: '2026/02' }, good[2]] })).toThrow(
      'deadlines[1]: period "2026/02" is not a tax period (yyyy-MM)',
    );
    expect(() => loadDeclarationCalendar({ deadlines: [good[0], { ...good[1], note: '' }, good[2]] })).toThrow('deadlines[1] (2026-02): note must say where the date comes from');
    expect(() => loadDeclarationCalendar({ deadlines: [good[0], { ...good[1], dueDate: 'x' }, good[2]] })).toThrow('deadlines[1] (2026-02): unknown field "dueDate"');
  });

  it('refuses a missing period, naming it', () => {
    expect(() => loadDeclarationCalendar({ deadlines: [good[0], good[2]] })).toThrow('period 2026-02 is missing');
  });

  it('refuses a deadline before its period ends, naming the entry', () => {
    expect(() => loadDeclarationCalendar({ deadlines: [good[0], entry('2026-02', '2026-02-15'), good[2]] })).toThrow(
      'deadlines[1] (2026-02): deadline 2026-02-15 is before the period ends; a period is declared after its month, from 2026-03-01',
    );
  });

  it('refuses a period listed twice and a list that is not one', () => {
    expect(() => loadDeclarationCalendar({ deadlines: [...good, good[1]] })).toThrow('deadlines[3] (2026-02): period 2026-02 is listed twice');
    expect(() => loadDeclarationCalendar({ deadline: good })).toThrow('expected "deadlines", a non-empty list');
  });

  it('lists every problem at once', () => {
    expect(() => loadDeclarationCalendar({ deadlines: [entry('2026-01', '2026-01-20'), entry('2026-03', 'soon')] })).toThrow(/3 problems[\s\S]*2026-01[\s\S]*2026-03[\s\S]*period 2026-02 is missing/);
  });

  it('the shipped file passes', () => {
    expect(() => loadDeclarationCalendar(shipped)).not.toThrow();
  });
});
