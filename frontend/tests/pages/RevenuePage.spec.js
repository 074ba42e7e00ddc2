import RevenuePage from '../../src/pages/RevenuePage.vue';
import { SERVICE, allByTestId, byTestId, errorBody, flush, mockApi, mountAt, setMe } from '../support/helpers';

function area(name, overrides = {}) {
  return {
    area: name,
    target: '5493600.00',
    target_missing: false,
    actual_to_date: '1861274.73',
    run_rate_projection: '3186732.15',
    weighted_pipeline: '242928.75',
    projected_total: '5290935.63',
    gap_to_target: '202664.37',
    attainment_pct: '33.88',
    projected_attainment_pct: '96.31',
    open_count: 31,
    open_monthly_revenue: '336151.70',
    ...overrides,
  };
}

const SUMMARY = {
  fiscal_year: 2027,
  as_of: '2026-11-22',
  months_to_date: 5,
  months_remaining: 7,
  areas: [
    area('France'),
    area('UK', { target: null, target_missing: true, gap_to_target: null, attainment_pct: null, projected_attainment_pct: null, projected_total: '100.00' }),
    area('Germany', { gap_to_target: '-10.00' }),
  ],
  total: { ...area('Total'), target: '10987200.00', gap_to_target: '1217200.51', open_count: 108, missing_targets: ['UK'] },
};

const REPORT = {
  as_of: '2026-11-22',
  fiscal_year: 2027,
  issue_count: 12,
  checks: {
    overdue_open_opportunities: { description: 'Open opportunities whose delivery date has passed.', count: 7, sample_ids: ['358b183bd79e42ada1a64404c094c369'] },
    customers_missing_account_team: { description: 'Customers without an account executive or technical specialist.', count: 2, sample_ids: [12, 40] },
    renewal_before_start: { description: 'Renewal before start.', count: 0, sample_ids: [] },
    areas_without_target: { description: 'Areas without a target this year.', count: 1, sample_ids: ['UK'] },
    missing_actual_months: { description: 'Complete months without actuals.', count: 1, sample_ids: ['UK/2026-10'] },
    some_new_check: { description: 'A check this dashboard does not know yet.', count: 1, sample_ids: ['abcdefabcdefabcdefabcdefabcdefab'] },
  },
};

describe('the revenue page', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
    setMe(SERVICE);
  });
  afterEach(() => mock.restore());

  it('asks for the fiscal year and date of the URL and shows chart, table and totals in EUR', async () => {
    mock.onGet('/api/revenue/summary').reply(200, SUMMARY);
    mock.onGet('/api/data-quality').reply(200, REPORT);
    const { wrapper } = await mountAt(RevenuePage, '/revenue?fiscal_year=2027&as_of=2026-11-22');
    expect(mock.history.get[0].params).toEqual({ fiscal_year: '2027', as_of: '2026-11-22' });
    expect(mock.history.get[1].params).toEqual({ as_of: '2026-11-22' });
    expect(byTestId(wrapper, 'revenue-period').text()).toContain('5 months to date');
    const chart = byTestId(wrapper, 'revenue-chart');
    expect(chart.find('canvas').exists()).toBe(true);
    expect(chart.attributes('role')).toBe('img');
    expect(chart.attributes('aria-label')).toContain('France, UK, Germany');
    const rows = allByTestId(wrapper, 'revenue-area-row');
    expect(rows.at(0).text()).toContain('€5,493,600.00');
    expect(rows.at(0).text()).toContain('33.88 %');
    expect(rows.at(0).find('.text-danger').text()).toBe('€202,664.37');
    expect(rows.at(1).find('[data-testid="revenue-target-missing"]').text()).toBe('no target');
    expect(rows.at(1).text()).toContain('—');
    expect(rows.at(2).find('.text-success').text()).toBe('-€10.00');
    expect(byTestId(wrapper, 'revenue-total-row').text()).toContain('€10,987,200.00');
    expect(byTestId(wrapper, 'revenue-missing-targets').text()).toContain('UK');
  });

  it('links the data-quality samples to their customers and opportunities', async () => {
    mock.onGet('/api/revenue/summary').reply(200, SUMMARY);
    mock.onGet('/api/data-quality').reply(200, REPORT);
    const { wrapper } = await mountAt(RevenuePage, '/revenue');
    expect(byTestId(wrapper, 'dq-issue-count').text()).toBe('12 issues');
    const links = (check) => byTestId(wrapper, `dq-check-${check}`).findAll('[data-testid="dq-sample-link"]').wrappers.map((a) => a.attributes('href'));
    expect(links('overdue_open_opportunities')).toEqual(['/opportunities/358b183bd79e42ada1a64404c094c369']);
    expect(links('customers_missing_account_team')).toEqual(['/customers/12', '/customers/40']);
    expect(links('areas_without_target')).toEqual(['/customers?area=UK']);
    expect(links('some_new_check')).toEqual(['/opportunities/abcdefabcdefabcdefabcdefabcdefab']);
    expect(byTestId(wrapper, 'dq-check-missing_actual_months').find('[data-testid="dq-sample"]').text()).toBe('UK/2026-10');
    expect(byTestId(wrapper, 'dq-check-overdue_open_opportunities').text()).toContain('Some of them:');
    expect(byTestId(wrapper, 'dq-check-customers_missing_account_team').text()).toContain('Affected:');
    expect(byTestId(wrapper, 'dq-check-some_new_check').text()).toContain('some new check');
  });

  it('defaults to today and its fiscal year, and changes both through the URL', async () => {
    mock.onGet('/api/revenue/summary').reply(200, SUMMARY);
    mock.onGet('/api/data-quality').reply(200, REPORT);
    const { wrapper, router } = await mountAt(RevenuePage, '/revenue');
    const today = new Date().toISOString().slice(0, 10);
    const [y, m] = today.split('-').map(Number);
    expect(mock.history.get[0].params).toEqual({ as_of: today, fiscal_year: String(m >= 7 ? y + 1 : y) });
    await byTestId(wrapper, 'revenue-fiscal-year').setValue('2025');
    await byTestId(wrapper, 'revenue-as-of').setValue('2024-12-31');
    await byTestId(wrapper, 'revenue-form').trigger('submit');
    await flush();
    expect(router.currentRoute.query).toEqual({ fiscal_year: '2025', as_of: '2024-12-31' });
    expect(mock.history.get[2].params).toEqual({ fiscal_year: '2025', as_of: '2024-12-31' });
    await byTestId(wrapper, 'revenue-fiscal-year').setValue('1999');
    await byTestId(wrapper, 'revenue-form').trigger('submit');
    expect(byTestId(wrapper, 'revenue-form-error').text()).toBe('A fiscal year from 2000 to 2100.');
  });

  it('shows each part\'s error on its own (422 for a bad year, 500 for the report)', async () => {
    mock.onGet('/api/revenue/summary').reply(422, errorBody(422, 'Invalid.', { query: { fiscal_year: ['Must be 2000-2100.'] } }));
    mock.onGet('/api/data-quality').reply(500, errorBody(500, 'Internal error.'));
    const { wrapper } = await mountAt(RevenuePage, '/revenue?fiscal_year=3000');
    const messages = allByTestId(wrapper, 'error-message').wrappers.map((w) => w.text());
    expect(messages).toEqual(['Invalid.', 'Internal error.']);
    expect(byTestId(wrapper, 'revenue-summary-table').exists()).toBe(false);
  });

  it('says when there is no Area to report, and reloads by itself after an outage', async () => {
    jest.useFakeTimers();
    mock.onGet('/api/revenue/summary').replyOnce(503, errorBody(503, 'Database unavailable.'));
    mock.onGet('/api/data-quality').replyOnce(200, { ...REPORT, issue_count: 0, checks: {} });
    mock.onGet('/ready').reply(200, {});
    mock.onGet('/api/revenue/summary').reply(200, { ...SUMMARY, areas: [] });
    mock.onGet('/api/data-quality').reply(200, REPORT);
    const { wrapper } = await mountAt(RevenuePage, '/revenue');
    expect(byTestId(wrapper, 'error-message').text()).toBe('Database unavailable.');
    expect(byTestId(wrapper, 'dq-issue-count').text()).toBe('0 issues');
    await jest.advanceTimersByTimeAsync(2000);
    await flush();
    expect(byTestId(wrapper, 'revenue-empty').exists()).toBe(true);
    wrapper.destroy();
    jest.useRealTimers();
  });
});
