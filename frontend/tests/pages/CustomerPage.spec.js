import CustomerPage from '../../src/pages/CustomerPage.vue';
import { READER, SERVICE, allByTestId, byTestId, errorBody, flush, mockApi, mountAt, setMe } from '../support/helpers';
import { cursorHeaders, customer, opportunity } from '../support/factories';

describe('a customer\'s page', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
    setMe(SERVICE);
  });
  afterEach(() => mock.restore());

  it('shows the customer and its opportunities, with Load more on the cursor', async () => {
    mock.onGet('/api/customers/5987').reply(200, customer(5987, { name: 'Dupont Logistique SARL' }));
    mock.onGet('/api/customers/5987/opportunities').reply((config) =>
      config.params.after
        ? [200, [opportunity({ name: 'Second' })], cursorHeaders(null)]
        : [200, [opportunity({ name: 'First', oid: 'f'.repeat(32) })], cursorHeaders('f'.repeat(32))],
    );
    const { wrapper } = await mountAt(CustomerPage, '/customers/5987', { propsData: { cid: '5987' } });
    expect(byTestId(wrapper, 'customer-name').text()).toContain('Dupont Logistique SARL');
    expect(byTestId(wrapper, 'customer-details').text()).toContain('Mid-Market');
    expect(byTestId(wrapper, 'customer-details').text()).toContain('Claire Martin');
    expect(allByTestId(wrapper, 'opportunity-row')).toHaveLength(1);
    expect(byTestId(wrapper, 'customer-new-opportunity').attributes('href')).toBe('/opportunities/new?cid=5987');
    await byTestId(wrapper, 'customer-opps-more').trigger('click');
    await flush();
    expect(allByTestId(wrapper, 'opportunity-row').wrappers.map((r) => r.text())).toEqual([
      expect.stringContaining('First'),
      expect.stringContaining('Second'),
    ]);
    expect(byTestId(wrapper, 'customer-opps-more').exists()).toBe(false);
    expect(mock.history.get[2].params).toEqual({ after: 'f'.repeat(32), page_size: 50 });
  });

  it('names a customer without a name by its CID, and says when it has no opportunities', async () => {
    setMe(READER);
    mock.onGet('/api/customers/7').reply(200, customer(7, { name: null, subscriptions: [], account_executive: null }));
    mock.onGet('/api/customers/7/opportunities').reply(200, [], cursorHeaders(null));
    const { wrapper } = await mountAt(CustomerPage, '/customers/7', { propsData: { cid: '7' } });
    expect(byTestId(wrapper, 'customer-name').text()).toContain('Customer 7');
    expect(byTestId(wrapper, 'customer-opps-empty').exists()).toBe(true);
    expect(byTestId(wrapper, 'customer-new-opportunity').exists()).toBe(false);
  });

  it('shows the API\'s 404 message', async () => {
    mock.onGet('/api/customers/99').reply(404, errorBody(404, 'Customer 99 does not exist.'));
    mock.onGet('/api/customers/99/opportunities').reply(404, errorBody(404, 'Customer 99 does not exist.'));
    const { wrapper } = await mountAt(CustomerPage, '/customers/99', { propsData: { cid: '99' } });
    const messages = allByTestId(wrapper, 'error-message').wrappers.map((w) => w.text());
    expect(messages).toEqual(['Customer 99 does not exist.', 'Customer 99 does not exist.']);
    expect(byTestId(wrapper, 'customer-name').exists()).toBe(false);
  });

  it('reloads both parts when the API is back', async () => {
    jest.useFakeTimers();
    mock.onGet('/api/customers/5').networkErrorOnce();
    mock.onGet('/api/customers/5/opportunities').networkErrorOnce();
    mock.onGet('/ready').reply(200, {});
    mock.onGet('/api/customers/5').reply(200, customer(5));
    mock.onGet('/api/customers/5/opportunities').reply(200, [opportunity()], cursorHeaders(null));
    const { wrapper } = await mountAt(CustomerPage, '/customers/5', { propsData: { cid: '5' } });
    expect(allByTestId(wrapper, 'error-alert')).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(2000);
    await flush();
    expect(allByTestId(wrapper, 'error-alert')).toHaveLength(0);
    expect(allByTestId(wrapper, 'opportunity-row')).toHaveLength(1);
    wrapper.destroy();
    jest.useRealTimers();
  });
});
