import OpportunitiesPage, { BOARD_LIMIT } from '../../src/pages/OpportunitiesPage.vue';
import { READER, SERVICE, allByTestId, byTestId, errorBody, flush, mockApi, mountAt, setMe } from '../support/helpers';
import { cursorHeaders, opportunity } from '../support/factories';

describe('the opportunities page', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
    setMe(SERVICE);
  });
  afterEach(() => mock.restore());

  it('lists opportunities with the filters of the URL and pages with the cursor', async () => {
    mock.onGet('/api/opportunities').reply((config) =>
      config.params.after === 'a'.repeat(32)
        ? [200, [opportunity({ name: 'Page two' })], cursorHeaders(null)]
        : [200, [opportunity({ name: 'Page one', oid: 'a'.repeat(32) })], cursorHeaders('a'.repeat(32))],
    );
    const { wrapper, router } = await mountAt(OpportunitiesPage, '/opportunities?opportunity_status=proposal&area=UK');
    expect(mock.history.get[0].params).toEqual({ opportunity_status: 'proposal', area: 'UK', page_size: 50 });
    const row = byTestId(wrapper, 'opportunity-row');
    expect(row.text()).toContain('Page one');
    expect(row.text()).toContain('€2,500.00');
    expect(row.text()).toContain('Proposal');
    expect(byTestId(wrapper, 'opportunity-new-link').exists()).toBe(true);
    await byTestId(wrapper, 'opportunities-next').trigger('click');
    await flush();
    expect(router.currentRoute.query.after).toBe('a'.repeat(32));
    expect(byTestId(wrapper, 'opportunity-row').text()).toContain('Page two');
    await byTestId(wrapper, 'opportunities-previous').trigger('click');
    await flush();
    expect(router.currentRoute.query.after).toBeUndefined();
  });

  it('filters by status, product, area and CID through the URL', async () => {
    mock.onGet('/api/opportunities').reply(200, [opportunity()], cursorHeaders(null));
    const { wrapper, router } = await mountAt(OpportunitiesPage, '/opportunities');
    await byTestId(wrapper, 'opp-filter-status').setValue('won');
    await byTestId(wrapper, 'opp-filter-product').setValue('payroll');
    await byTestId(wrapper, 'opp-filter-area').setValue('France');
    await byTestId(wrapper, 'opp-filter-cid').setValue('12x');
    await byTestId(wrapper, 'opp-filter-cid').trigger('change');
    expect(wrapper.text()).toContain('A CID is a whole number.');
    await byTestId(wrapper, 'opp-filter-cid').setValue('12');
    await byTestId(wrapper, 'opp-filter-cid').trigger('change');
    await flush();
    expect(router.currentRoute.query).toEqual({ opportunity_status: 'won', product: 'payroll', area: 'France', cid: '12' });
    expect(mock.history.get[mock.history.get.length - 1].params).toMatchObject({ cid: '12', product: 'payroll' });
  });

  it('shows the empty and error states', async () => {
    mock.onGet('/api/opportunities').replyOnce(200, [], cursorHeaders(null));
    const empty = await mountAt(OpportunitiesPage, '/opportunities');
    expect(byTestId(empty.wrapper, 'opportunities-empty').exists()).toBe(true);
    mock.onGet('/api/opportunities').replyOnce(422, errorBody(422, 'Not an opportunity id.'));
    const bad = await mountAt(OpportunitiesPage, '/opportunities?after=zzz');
    expect(byTestId(bad.wrapper, 'error-message').text()).toBe('Not an opportunity id.');
  });

  it('hides New opportunity from read-only tokens', async () => {
    setMe(READER);
    mock.onGet('/api/opportunities').reply(200, [opportunity()], cursorHeaders(null));
    const { wrapper } = await mountAt(OpportunitiesPage, '/opportunities?view=board');
    expect(byTestId(wrapper, 'opportunity-new-link').exists()).toBe(false);
    expect(byTestId(wrapper, 'board-card-move').exists()).toBe(false);
    expect(byTestId(wrapper, 'board-card').attributes('draggable')).toBe('false');
  });

  it('loads every page of the board (no status filter) and switches views in the URL', async () => {
    mock.onGet('/api/opportunities').reply((config) => {
      if (config.params.page_size === 100 && !config.params.after) {
        return [200, Array.from({ length: 100 }, () => opportunity()), cursorHeaders('b'.repeat(32), 100)];
      }
      if (config.params.page_size === 100) return [200, [opportunity({ opportunity_status: 'won' })], cursorHeaders(null, 100)];
      return [200, [opportunity()], cursorHeaders(null)];
    });
    const { wrapper, router } = await mountAt(OpportunitiesPage, '/opportunities?opportunity_status=won&product=payroll');
    await byTestId(wrapper, 'opportunities-view-board').trigger('click');
    await flush();
    expect(router.currentRoute.query).toEqual({ view: 'board', opportunity_status: 'won', product: 'payroll' });
    const boardRequests = mock.history.get.filter((r) => r.params.page_size === 100);
    expect(boardRequests.map((r) => r.params)).toEqual([
      { product: 'payroll', page_size: 100 },
      { product: 'payroll', after: 'b'.repeat(32), page_size: 100 },
    ]);
    expect(allByTestId(wrapper, 'board-card')).toHaveLength(101);
    expect(byTestId(wrapper, 'opp-filter-status').exists()).toBe(false);
    await byTestId(wrapper, 'opportunities-view-list').trigger('click');
    await flush();
    expect(router.currentRoute.query.view).toBeUndefined();
    expect(byTestId(wrapper, 'pipeline-board').exists()).toBe(false);
  });

  it('caps the board and says so', async () => {
    let n = 0;
    mock.onGet('/api/opportunities').reply(() => {
      n += 1;
      return [200, Array.from({ length: 100 }, () => opportunity()), cursorHeaders(`${n}`.padStart(32, 'c'), 100)];
    });
    const { wrapper } = await mountAt(OpportunitiesPage, '/opportunities?view=board');
    await flush(200);
    expect(mock.history.get).toHaveLength(BOARD_LIMIT / 100);
    expect(byTestId(wrapper, 'board-truncated').exists()).toBe(true);
    expect(allByTestId(wrapper, 'board-card')).toHaveLength(BOARD_LIMIT);
  });

  it('reloads by itself after an outage', async () => {
    jest.useFakeTimers();
    mock.onGet('/api/opportunities').networkErrorOnce();
    mock.onGet('/ready').reply(200, {});
    mock.onGet('/api/opportunities').reply(200, [opportunity()], cursorHeaders(null));
    const { wrapper } = await mountAt(OpportunitiesPage, '/opportunities');
    expect(byTestId(wrapper, 'error-alert').exists()).toBe(true);
    await jest.advanceTimersByTimeAsync(2000);
    await flush();
    expect(allByTestId(wrapper, 'opportunity-row')).toHaveLength(1);
    wrapper.destroy();
    jest.useRealTimers();
  });
});
