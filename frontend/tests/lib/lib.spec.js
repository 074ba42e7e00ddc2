import { csvCell, toCsv } from '../../src/lib/csv';
import { count, customerName, daysAgo, day, money, percent, productLabel, statusLabel, when } from '../../src/lib/format';
import { fiscalYearOf, utcToday } from '../../src/lib/domain';
import { readQuery, updateQuery } from '../../src/lib/routeQuery';
import { createPoller } from '../../src/lib/poller';

describe('formatting', () => {
  it('formats money in EUR, percentages, counts and dates', () => {
    expect(money('2500.00')).toBe('€2,500.00');
    expect(money(1234.5, { whole: true })).toBe('€1,235');
    expect(money(null)).toBe('—');
    expect(money('abc', { placeholder: 'n/a' })).toBe('n/a');
    expect(percent('96.31')).toBe('96.31 %');
    expect(percent(null)).toBe('—');
    expect(count(12345)).toBe('12,345');
    expect(count(undefined)).toBe('—');
    expect(day('2026-03-01')).toBe('1 Mar 2026');
    expect(day(null)).toBe('—');
    expect(day('not-a-date')).toBe('not-a-date');
    expect(when('2026-11-22T02:47:08Z')).toMatch(/22 Nov 2026/);
    expect(when('garbage')).toBe('garbage');
    expect(when(null, 'never')).toBe('never');
    expect([daysAgo(0), daysAgo(1), daysAgo(12), daysAgo(null)]).toEqual(['today', '1 day ago', '12 days ago', '—']);
  });

  it('names things for people', () => {
    expect(customerName({ cid: 5, name: null })).toBe('Customer 5');
    expect(customerName({ cid: 5, name: 'Acme' })).toBe('Acme');
    expect(customerName(null)).toBe('');
    expect(statusLabel('won')).toBe('Won');
    expect(statusLabel('odd')).toBe('odd');
    expect(productLabel('time_entry')).toBe('Time entry');
    expect(productLabel(null)).toBe('—');
    expect(productLabel('other')).toBe('other');
  });
});

describe('fiscal years', () => {
  it('run July to June', () => {
    expect(fiscalYearOf('2024-12-31')).toBe(2025);
    expect(fiscalYearOf('2025-06-30')).toBe(2025);
    expect(fiscalYearOf('2025-07-01')).toBe(2026);
    expect(utcToday(new Date('2026-11-22T23:59:59Z'))).toBe('2026-11-22');
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(['a', 'b'])).toBe('a;b');
    expect(csvCell(false)).toBe('false');
    expect(toCsv([{ key: 'a', label: 'A' }], [{ a: 1 }, {}])).toBe('A\r\n1\r\n\r\n');
  });
});

describe('the query string', () => {
  it('reads values with defaults, the first of repeated ones', () => {
    expect(readQuery({ a: ['x', 'y'], b: null }, { a: '', b: 'B', c: 'C' })).toEqual({ a: 'x', b: 'B', c: 'C' });
  });

  it('navigates only when the query changes, dropping empty values', async () => {
    const router = { push: jest.fn(() => Promise.resolve()), replace: jest.fn(() => Promise.reject(new Error('dup'))) };
    const route = { path: '/x', query: { a: '1' } };
    expect(await updateQuery(router, route, { a: 1 })).toBe(false);
    expect(router.push).not.toHaveBeenCalled();
    expect(await updateQuery(router, route, { a: '', b: 2 })).toBe(true);
    expect(router.push).toHaveBeenCalledWith({ path: '/x', query: { b: '2' } });
    expect(await updateQuery(router, route, { c: '3' }, { replace: true })).toBe(false);
  });
});

describe('the poller', () => {
  let hidden = false;
  beforeAll(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  });
  beforeEach(() => {
    jest.useFakeTimers();
    hidden = false;
  });
  afterEach(() => jest.useRealTimers());

  it('runs the task on its interval, one at a time, through failures, until stopped', async () => {
    let calls = 0;
    const task = jest.fn(async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
    });
    const poller = createPoller(task, 1000);
    poller.start();
    poller.start(); // idempotent
    expect(poller.active).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    await jest.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(2);
    poller.stop();
    expect(poller.active).toBe(false);
    await jest.advanceTimersByTimeAsync(5000);
    expect(task).toHaveBeenCalledTimes(2);
    document.dispatchEvent(new Event('visibilitychange'));
    await jest.advanceTimersByTimeAsync(0);
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('pauses while hidden and runs at once when visible again, not twice while a run is going', async () => {
    let release;
    const task = jest.fn(() => new Promise((resolve) => { release = resolve; }));
    const poller = createPoller(task, 1000);
    poller.start();
    hidden = true;
    document.dispatchEvent(new Event('visibilitychange'));
    await jest.advanceTimersByTimeAsync(5000);
    expect(task).not.toHaveBeenCalled();
    hidden = false;
    document.dispatchEvent(new Event('visibilitychange'));
    expect(task).toHaveBeenCalledTimes(1);
    document.dispatchEvent(new Event('visibilitychange')); // visible again while running: no second run
    expect(task).toHaveBeenCalledTimes(1);
    hidden = true;
    release();
    await jest.advanceTimersByTimeAsync(3000);
    expect(task).toHaveBeenCalledTimes(1); // hidden when it finished: nothing scheduled
    poller.stop();
  });
});
