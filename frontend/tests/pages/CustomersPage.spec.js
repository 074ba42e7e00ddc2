import CustomersPage from '../../src/pages/CustomersPage.vue';
import { SERVICE, allByTestId, byTestId, errorBody, flush, mockApi, mountAt, setMe } from '../support/helpers';
import { cursorHeaders, customer } from '../support/factories';

function pageOf(cids, next) {
  return [200, cids.map((cid) => customer(cid)), cursorHeaders(next)];
}

describe('the customers page', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
    setMe(SERVICE);
  });
  afterEach(() => {
    mock.restore();
    jest.useRealTimers();
  });

  it('shows every customer field as a column, flags as words, the CID when there is no name', async () => {
    mock.onGet('/api/customers').reply(200, [customer(5987, { name: null, account_executive: null, subscriptions: [] }), customer(6000)], cursorHeaders(null));
    const { wrapper } = await mountAt(CustomersPage, '/customers');
    const headers = wrapper.findAll('th').wrappers.map((th) => th.text());
    expect(headers).toEqual(
      expect.arrayContaining(['Name', 'Area', 'Customer type', 'Account manager', 'Technical consultant', 'Support contract',
        'Discounted pricing', 'Account executive', 'Technical specialist', 'Contract start', 'Contract renewal', 'Subscriptions', 'Created', 'Updated']),
    );
    expect(headers.some((h) => h.startsWith('CID'))).toBe(true);
    const rows = allByTestId(wrapper, 'customer-row');
    expect(rows).toHaveLength(2);
    expect(rows.at(0).text()).toContain('Customer 5987');
    expect(rows.at(0).find('[data-testid="customer-link"]').attributes('href')).toBe('/customers/5987');
    expect(rows.at(0).findAll('[data-testid="flag-badge"]').wrappers.map((b) => b.text())).toEqual(['Yes', 'No', 'Yes', 'No']);
    expect(rows.at(1).text()).toContain('accounting, payroll');
    expect(rows.at(1).text()).toContain('1 Sept 2023');
    expect(mock.history.get[0].params).toEqual({ sort: 'cid', after: '0', page_size: '50' });
  });

  it('sends the filters of the URL and changes the URL when a filter changes', async () => {
    mock.onGet('/api/customers').reply(200, [customer(1)], cursorHeaders(null));
    const { wrapper, router } = await mountAt(CustomersPage, '/customers?area=UK&has_support_contract=true&q=dup');
    expect(mock.history.get[0].params).toMatchObject({ area: 'UK', has_support_contract: 'true', q: 'dup' });
    expect(byTestId(wrapper, 'customer-filter-area').element.value).toBe('UK');
    expect(byTestId(wrapper, 'customer-filter-q').element.value).toBe('dup');

    await byTestId(wrapper, 'customer-filter-area').setValue('Germany');
    await flush();
    expect(router.currentRoute.query).toMatchObject({ area: 'Germany', q: 'dup' });
    expect(mock.history.get[1].params).toMatchObject({ area: 'Germany', after: '0' });

    await byTestId(wrapper, 'customer-filter-has_discounted_pricing').setValue('false');
    await byTestId(wrapper, 'customer-filter-type').setValue(' Enterprise ');
    await byTestId(wrapper, 'customer-filter-type').trigger('change');
    await flush();
    expect(router.currentRoute.query).toMatchObject({ has_discounted_pricing: 'false', customer_type: 'Enterprise' });

    await byTestId(wrapper, 'customer-filters-reset').trigger('click');
    await flush();
    expect(router.currentRoute.query).toEqual({});
    expect(byTestId(wrapper, 'customer-filter-q').element.value).toBe('');
  });

  it('searches by name after a pause in typing', async () => {
    jest.useFakeTimers();
    mock.onGet('/api/customers').reply(200, [customer(1)], cursorHeaders(null));
    const { wrapper, router } = await mountAt(CustomersPage, '/customers');
    await byTestId(wrapper, 'customer-filter-q').setValue('Dup');
    await byTestId(wrapper, 'customer-filter-q').setValue('Dupont');
    expect(router.currentRoute.query.q).toBeUndefined();
    await jest.advanceTimersByTimeAsync(400);
    await flush();
    expect(router.currentRoute.query.q).toBe('Dupont');
    expect(mock.history.get).toHaveLength(2);
    await byTestId(wrapper, 'customer-filter-ae').setValue('Claire');
    await byTestId(wrapper, 'customer-filter-ae').trigger('change');
    await flush();
    expect(router.currentRoute.query.account_executive).toBe('Claire');
    wrapper.destroy();
  });

  it('pages with the cursor: Next, Previous and First', async () => {
    mock.onGet('/api/customers').reply((config) => {
      if (config.params.after === '0') return pageOf([1, 2], 2);
      if (config.params.after === '2') return pageOf([3, 4], 4);
      return pageOf([5], null);
    });
    const { wrapper, router } = await mountAt(CustomersPage, '/customers');
    expect(byTestId(wrapper, 'customers-previous').attributes('disabled')).toBe('disabled');
    await byTestId(wrapper, 'customers-next').trigger('click');
    await flush();
    expect(router.currentRoute.query.after).toBe('2');
    await byTestId(wrapper, 'customers-next').trigger('click');
    await flush();
    expect(router.currentRoute.query.after).toBe('4');
    expect(allByTestId(wrapper, 'customer-row')).toHaveLength(1);
    expect(byTestId(wrapper, 'customers-next').attributes('disabled')).toBe('disabled');
    await byTestId(wrapper, 'customers-previous').trigger('click');
    await flush();
    expect(router.currentRoute.query.after).toBe('2');
    await byTestId(wrapper, 'customers-first').trigger('click');
    await flush();
    expect(router.currentRoute.query.after).toBeUndefined();
    expect(allByTestId(wrapper, 'customer-row').at(0).text()).toContain('Customer name 1');
  });

  it('goes back to the first page from a bookmarked cursor', async () => {
    mock.onGet('/api/customers').reply(200, [customer(9)], cursorHeaders(null));
    const { wrapper, router } = await mountAt(CustomersPage, '/customers?after=8');
    await byTestId(wrapper, 'customers-previous').trigger('click');
    await flush();
    expect(router.currentRoute.query.after).toBeUndefined();
  });

  it('sorts by CID, descending and back, on the server', async () => {
    mock.onGet('/api/customers').reply(200, [customer(1)], cursorHeaders(null));
    const { wrapper, router } = await mountAt(CustomersPage, '/customers');
    const th = wrapper.findAll('th').wrappers.find((h) => h.text().startsWith('CID'));
    expect(th.attributes('aria-sort')).toBe('ascending');
    await th.trigger('click');
    await flush();
    expect(router.currentRoute.query.sort).toBe('-cid');
    expect(mock.history.get[1].params.sort).toBe('-cid');
    const again = wrapper.findAll('th').wrappers.find((h) => h.text().startsWith('CID'));
    expect(again.attributes('aria-sort')).toBe('descending');
    await again.trigger('click');
    await flush();
    expect(router.currentRoute.query.sort).toBeUndefined();
  });

  it('changes the page size', async () => {
    mock.onGet('/api/customers').reply(200, [customer(1)], cursorHeaders(null));
    const { wrapper, router } = await mountAt(CustomersPage, '/customers?page_size=7&sort=bogus');
    expect(mock.history.get[0].params).toMatchObject({ page_size: '50', sort: 'cid' });
    await byTestId(wrapper, 'customers-page-size').setValue('100');
    await flush();
    expect(router.currentRoute.query.page_size).toBe('100');
    await byTestId(wrapper, 'customers-page-size').setValue('50');
    await flush();
    expect(router.currentRoute.query.page_size).toBeUndefined();
  });

  it('has empty states with and without filters', async () => {
    mock.onGet('/api/customers').reply(200, [], cursorHeaders(null));
    const { wrapper } = await mountAt(CustomersPage, '/customers');
    expect(byTestId(wrapper, 'customers-empty').text()).toBe('No customers yet.');
    const filtered = await mountAt(CustomersPage, '/customers?area=UK');
    expect(byTestId(filtered.wrapper, 'customers-empty').text()).toBe('No customer matches these filters.');
    expect(byTestId(filtered.wrapper, 'customers-export').attributes('disabled')).toBe('disabled');
  });

  it('shows the API\'s 422 for a bad filter', async () => {
    mock.onGet('/api/customers').reply(422, errorBody(422, 'The request is not valid; see errors for the fields at fault.', {
      query: { customer_type: ['Longer than maximum length 32.'] },
    }));
    const { wrapper } = await mountAt(CustomersPage, '/customers?customer_type=x');
    expect(byTestId(wrapper, 'error-message').text()).toContain('The request is not valid');
    expect(byTestId(wrapper, 'customers-empty').exists()).toBe(false);
  });

  it('reloads by itself after an outage', async () => {
    jest.useFakeTimers();
    mock.onGet('/api/customers').replyOnce(503, errorBody(503, 'The database is unreachable.'), { 'retry-after': '2' });
    mock.onGet('/ready').reply(200, {});
    mock.onGet('/api/customers').reply(200, [customer(1)], cursorHeaders(null));
    const { wrapper } = await mountAt(CustomersPage, '/customers');
    expect(byTestId(wrapper, 'error-message').text()).toBe('The database is unreachable.');
    await jest.advanceTimersByTimeAsync(2000);
    await flush();
    expect(allByTestId(wrapper, 'customer-row')).toHaveLength(1);
    wrapper.destroy();
  });

  describe('CSV export', () => {
    let created;
    beforeEach(() => {
      created = [];
      global.URL.createObjectURL = jest.fn((blob) => {
        created.push(blob);
        return 'blob:csv';
      });
      global.URL.revokeObjectURL = jest.fn();
      jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    });

    it('walks the cursor over the current filters and downloads every row', async () => {
      mock.onGet('/api/customers').reply((config) => {
        if (config.params.page_size === 100) {
          if (config.params.after === 0) return pageOf([1, 2], 2);
          return [200, [customer(3, { name: '=HYPERLINK("x")', subscriptions: ['accounting', 'payroll'] })], cursorHeaders(null)];
        }
        return pageOf([1], 1);
      });
      const { wrapper } = await mountAt(CustomersPage, '/customers?area=France&sort=-cid');
      expect(byTestId(wrapper, 'customers-export').text()).toBe('Export CSV (filtered)');
      await byTestId(wrapper, 'customers-export').trigger('click');
      await flush();
      const walk = mock.history.get.filter((r) => r.params.page_size === 100);
      expect(walk.map((r) => r.params)).toEqual([
        { area: 'France', sort: '-cid', page_size: 100, after: 0 },
        { area: 'France', sort: '-cid', page_size: 100, after: 2 },
      ]);
      expect(created).toHaveLength(1);
      const text = await new Promise((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.readAsText(created[0]);
      });
      const lines = text.replace(/^\ufeff/, '').trim().split('\r\n');
      expect(lines[0]).toBe('CID,Name,Area,Customer type,Account manager,Technical consultant,Support contract,Discounted pricing,Account executive,Technical specialist,Contract start,Contract renewal,Subscriptions,Created,Updated');
      expect(lines).toHaveLength(4);
      expect(lines[3]).toContain('"\'=HYPERLINK(""x"")"');
      expect(lines[3]).toContain('accounting;payroll');
      expect(HTMLAnchorElement.prototype.click).toHaveBeenCalled();
    });

    it('shows progress, can be canceled, and reports a failure', async () => {
      let release;
      mock.onGet('/api/customers').reply((config) => {
        if (config.params.page_size !== 100) return pageOf([1], null);
        return new Promise((resolve) => {
          release = () => resolve(pageOf([1, 2], 2));
        });
      });
      const { wrapper } = await mountAt(CustomersPage, '/customers');
      await byTestId(wrapper, 'customers-export').trigger('click');
      await flush();
      expect(byTestId(wrapper, 'customers-exporting').text()).toContain('Exporting… 0 customers');
      await byTestId(wrapper, 'customers-export-cancel').trigger('click');
      release();
      await flush();
      expect(byTestId(wrapper, 'customers-export').exists()).toBe(true);
      expect(created).toHaveLength(0);

      mock.onGet('/api/customers').reply((config) =>
        config.params.page_size === 100 ? [500, errorBody(500, 'Internal error.')] : pageOf([1], null),
      );
      await byTestId(wrapper, 'customers-export').trigger('click');
      await flush();
      expect(wrapper.text()).toContain('The export failed');
      expect(wrapper.text()).toContain('Internal error.');
    });
  });
});
