import CountriesPage from '../../src/pages/CountriesPage.vue';
import { READER, SERVICE, allByTestId, byTestId, errorBody, flush, mockApi, mountAt, setMe } from '../support/helpers';
import { countriesBody } from '../support/factories';

describe('the countries page', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
    setMe(SERVICE);
  });
  afterEach(() => mock.restore());

  it('lists the first country\'s people, keyed by id, and when they were synced', async () => {
    mock.onGet('/api/countries').reply(200, countriesBody());
    const { wrapper } = await mountAt(CountriesPage, '/countries');
    const select = byTestId(wrapper, 'country-select');
    expect(select.findAll('option').wrappers.map((o) => o.text())).toEqual(['France (3)', 'Germany (2)']);
    expect(wrapper.find('label[for="country-select"]').text()).toBe('Country');
    const rows = allByTestId(wrapper, 'country-user-row');
    expect(rows).toHaveLength(3);
    expect(rows.at(0).text()).toContain('Person 0 France');
    expect(rows.at(0).text()).toContain('person0@france.example.com');
    expect(byTestId(wrapper, 'synced-at').text()).toMatch(/Data synced 22 Nov 2026/);
    expect(byTestId(wrapper, 'sync-stale').exists()).toBe(false);
  });

  it('switches country through the query string', async () => {
    mock.onGet('/api/countries').reply(200, countriesBody());
    const { wrapper, router } = await mountAt(CountriesPage, '/countries?country=Germany');
    expect(byTestId(wrapper, 'country-select').element.value).toBe('Germany');
    expect(allByTestId(wrapper, 'country-user-row')).toHaveLength(2);
    await byTestId(wrapper, 'country-select').setValue('France');
    await flush();
    expect(router.currentRoute.query.country).toBe('France');
    expect(allByTestId(wrapper, 'country-user-row')).toHaveLength(3);
    expect(mock.history.get).toHaveLength(1); // filtered in the browser
  });

  it('reloads the data from the API', async () => {
    mock.onGet('/api/countries').replyOnce(200, countriesBody({ sizes: { France: 1 } }));
    mock.onGet('/api/countries').replyOnce(200, countriesBody({ sizes: { France: 4 } }));
    const { wrapper } = await mountAt(CountriesPage, '/countries');
    expect(allByTestId(wrapper, 'country-user-row')).toHaveLength(1);
    await byTestId(wrapper, 'countries-reload').trigger('click');
    await flush();
    expect(allByTestId(wrapper, 'country-user-row')).toHaveLength(4);
  });

  it('renders one page of 5,000 people and pages through them', async () => {
    mock.onGet('/api/countries').reply(200, countriesBody({ sizes: { France: 5000, UK: 10 } }));
    const { wrapper } = await mountAt(CountriesPage, '/countries');
    expect(allByTestId(wrapper, 'country-user-row')).toHaveLength(50);
    expect(byTestId(wrapper, 'country-users-range').text()).toBe('1–50 of 5000');
    const pager = byTestId(wrapper, 'country-users-pager');
    await pager.find('button[aria-label="Go to next page"]').trigger('click');
    await flush();
    expect(byTestId(wrapper, 'country-users-range').text()).toBe('51–100 of 5000');
    expect(allByTestId(wrapper, 'country-user-row').at(0).text()).toContain('Person 50 France');
  });

  it('filters people by name or email, and says when nobody matches', async () => {
    mock.onGet('/api/countries').reply(200, countriesBody({ sizes: { France: 120 } }));
    const { wrapper } = await mountAt(CountriesPage, '/countries');
    await byTestId(wrapper, 'country-user-filter').setValue('person11');
    await flush();
    const rows = allByTestId(wrapper, 'country-user-row');
    expect(rows.wrappers.map((r) => r.text().split('\n')[0])).toHaveLength(11); // 11, 110-119
    await byTestId(wrapper, 'country-user-filter').setValue('zzz');
    await flush();
    expect(byTestId(wrapper, 'country-users-no-match').text()).toContain('zzz');
  });

  it('warns when the latest sync failed and the last good data is shown', async () => {
    mock.onGet('/api/countries').reply(200, countriesBody({ stale: true, reason: 'HTTP 503, after 4 attempts' }));
    const { wrapper } = await mountAt(CountriesPage, '/countries');
    const warning = byTestId(wrapper, 'sync-stale');
    expect(warning.text()).toContain('The latest sync failed');
    expect(warning.text()).toContain('HTTP 503, after 4 attempts');
    expect(warning.text()).toContain('The last good data is shown');
  });

  it('says when there is no data yet', async () => {
    mock.onGet('/api/countries').reply(200, { countries: [], sync: { synced_at: null, run_id: null, stale: false, last_attempt: null } });
    const { wrapper } = await mountAt(CountriesPage, '/countries');
    expect(byTestId(wrapper, 'countries-empty').exists()).toBe(true);
    expect(byTestId(wrapper, 'synced-at').text()).toBe('Never synced yet');
  });

  it('shows a country without people', async () => {
    mock.onGet('/api/countries').reply(200, countriesBody({ sizes: { Germany: 0 } }));
    const { wrapper } = await mountAt(CountriesPage, '/countries');
    expect(byTestId(wrapper, 'country-users-empty').exists()).toBe(true);
  });

  it('shows a loading state, then the API\'s error with a retry', async () => {
    mock.onGet('/api/countries').replyOnce(500, errorBody(500, 'Internal error.'));
    mock.onGet('/api/countries').replyOnce(200, countriesBody());
    const { wrapper } = await mountAt(CountriesPage, '/countries');
    expect(byTestId(wrapper, 'error-message').text()).toBe('Internal error.');
    await byTestId(wrapper, 'error-retry').trigger('click');
    expect(byTestId(wrapper, 'countries-reload').attributes('disabled')).toBe('disabled');
    await flush();
    expect(byTestId(wrapper, 'error-alert').exists()).toBe(false);
    expect(allByTestId(wrapper, 'country-user-row')).toHaveLength(3);
  });

  it('reloads by itself when the API comes back after an outage', async () => {
    jest.useFakeTimers();
    mock.onGet('/api/countries').networkErrorOnce();
    mock.onGet('/ready').reply(200, { status: 'ready' });
    mock.onGet('/api/countries').reply(200, countriesBody());
    const { wrapper } = await mountAt(CountriesPage, '/countries');
    expect(byTestId(wrapper, 'error-message').text()).toBe('The API cannot be reached.');
    await jest.advanceTimersByTimeAsync(2000); // the client probes /ready, which answers
    await flush();
    expect(byTestId(wrapper, 'error-alert').exists()).toBe(false);
    expect(allByTestId(wrapper, 'country-user-row')).toHaveLength(3);
    wrapper.destroy();
    jest.useRealTimers();
  });

  describe('Sync now', () => {
    it('is only offered to tokens that can write', async () => {
      setMe(READER);
      mock.onGet('/api/countries').reply(200, countriesBody());
      const { wrapper } = await mountAt(CountriesPage, '/countries');
      expect(byTestId(wrapper, 'sync-now').exists()).toBe(false);
    });

    it('reports a successful sync and reloads', async () => {
      mock.onGet('/api/countries').reply(200, countriesBody());
      mock.onPost('/api/countries/sync').reply(201, { id: 7, status: 'succeeded', rows_stored: 498 });
      const { wrapper } = await mountAt(CountriesPage, '/countries');
      await byTestId(wrapper, 'sync-now').trigger('click');
      await flush();
      expect(byTestId(wrapper, 'sync-succeeded').text()).toBe('Sync 7 succeeded: 498 people stored.');
      expect(mock.history.get).toHaveLength(2);
    });

    it('reports a 502 with its reason', async () => {
      mock.onGet('/api/countries').reply(200, countriesBody());
      mock.onPost('/api/countries/sync').reply(502, {
        code: 502,
        message: 'The sync failed (HTTP 503); the last good data is still served.',
        errors: { sync_run: { id: 8, status: 'failed', reason: 'HTTP 503, after 4 attempts' } },
      });
      const { wrapper } = await mountAt(CountriesPage, '/countries');
      await byTestId(wrapper, 'sync-now').trigger('click');
      await flush();
      expect(byTestId(wrapper, 'sync-failed').text()).toContain('HTTP 503, after 4 attempts');
    });

    it('reports a busy 409 and any other refusal', async () => {
      mock.onGet('/api/countries').reply(200, countriesBody());
      mock.onPost('/api/countries/sync').replyOnce(409, errorBody(409, 'A sync is already running.'));
      mock.onPost('/api/countries/sync').replyOnce(403, errorBody(403, 'This token is read-only.'));
      const { wrapper } = await mountAt(CountriesPage, '/countries');
      await byTestId(wrapper, 'sync-now').trigger('click');
      await flush();
      expect(byTestId(wrapper, 'sync-busy').text()).toContain('already running');
      await byTestId(wrapper, 'sync-now').trigger('click');
      await flush();
      expect(byTestId(wrapper, 'sync-error').text()).toBe('This token is read-only.');
    });
  });
});
