import OpportunityNewPage from '../../src/pages/OpportunityNewPage.vue';
import { READER, SERVICE, byTestId, errorBody, flush, mockApi, mountAt, setMe } from '../support/helpers';
import { daysFromToday, opportunity } from '../support/factories';

const SOON = daysFromToday(30);

const field = (wrapper, name) => byTestId(wrapper, `opp-field-${name}`);
const feedbackFor = (wrapper, name) => {
  const input = field(wrapper, name);
  const group = input.element.closest('.form-group');
  const feedback = group.querySelector('.invalid-feedback');
  return feedback ? feedback.textContent.trim() : '';
};

async function fill(wrapper, values) {
  for (const [name, value] of Object.entries(values)) {
    // eslint-disable-next-line no-await-in-loop
    await field(wrapper, name).setValue(value);
  }
}

async function submit(wrapper) {
  await byTestId(wrapper, 'opportunity-form').trigger('submit');
  await flush();
}

describe('the new opportunity page', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
    setMe(SERVICE);
  });
  afterEach(() => mock.restore());

  it('creates an opportunity with an Idempotency-Key and opens it', async () => {
    mock.onPost('/api/opportunities').reply(201, opportunity({ oid: 'd'.repeat(32) }));
    const { wrapper, router } = await mountAt(OpportunityNewPage, '/opportunities/new?cid=5987', { attachTo: document.body });
    expect(field(wrapper, 'cid').element.value).toBe('5987');
    expect(wrapper.find('label[for="opp-monthly_estimated_revenue"]').text()).toContain('Monthly revenue');
    await fill(wrapper, {
      name: '  Payroll roll-out ',
      product: 'payroll',
      monthly_estimated_revenue: '1250.5',
      estimated_delivery_date: SOON,
    });
    await submit(wrapper);
    const request = mock.history.post[0];
    expect(JSON.parse(request.data)).toEqual({
      cid: 5987,
      name: 'Payroll roll-out',
      product: 'payroll',
      opportunity_status: 'prospecting',
      monthly_estimated_revenue: '1250.5',
      estimated_delivery_date: SOON,
    });
    expect(request.headers['Idempotency-Key']).toMatch(/^[0-9a-f]{32}$/);
    expect(router.currentRoute.fullPath).toBe(`/opportunities/${'d'.repeat(32)}?created=1`);
    wrapper.destroy();
  });

  it('checks the API\'s rules before sending, and focuses the first field at fault', async () => {
    const { wrapper } = await mountAt(OpportunityNewPage, '/opportunities/new', { attachTo: document.body });
    await submit(wrapper);
    expect(mock.history.post).toHaveLength(0);
    expect(feedbackFor(wrapper, 'cid')).toBe("Enter the customer's CID.");
    expect(feedbackFor(wrapper, 'monthly_estimated_revenue')).toBe('Enter the monthly revenue.');
    expect(feedbackFor(wrapper, 'estimated_delivery_date')).toBe('Choose the delivery date.');
    expect(document.activeElement).toBe(field(wrapper, 'cid').element);
    expect(field(wrapper, 'cid').attributes('aria-invalid')).toBe('true');

    await fill(wrapper, { cid: '12', monthly_estimated_revenue: '12.345', estimated_delivery_date: '2001-01-01' });
    expect(feedbackFor(wrapper, 'monthly_estimated_revenue')).toBe('A number with at most two decimal places, e.g. 2500.00.');
    expect(feedbackFor(wrapper, 'estimated_delivery_date')).toMatch(/^An open opportunity cannot be delivered in the past/);
    await fill(wrapper, { opportunity_status: 'won' });
    expect(field(wrapper, 'probability').element.value).toBe('100'); // won means 100
    await fill(wrapper, { probability: '90' });
    expect(feedbackFor(wrapper, 'probability')).toBe('A won opportunity always has probability 100.');
    expect(feedbackFor(wrapper, 'estimated_delivery_date')).toBe(''); // a won deal may be in the past
    wrapper.destroy();
  });

  it('shows the API\'s 422 field errors at their fields until the field is edited', async () => {
    mock.onPost('/api/opportunities').reply(422, errorBody(422, 'Customer 99999 does not exist.', {
      json: { cid: ['Customer 99999 does not exist.'], currency: ['Only EUR.'] },
    }));
    const { wrapper } = await mountAt(OpportunityNewPage, '/opportunities/new');
    await fill(wrapper, { cid: '99999', monthly_estimated_revenue: '12.34', estimated_delivery_date: SOON });
    await submit(wrapper);
    expect(feedbackFor(wrapper, 'cid')).toBe('Customer 99999 does not exist.');
    expect(byTestId(wrapper, 'opp-other-errors').text()).toBe('currency: Only EUR.');
    expect(byTestId(wrapper, 'error-message').text()).toBe('Customer 99999 does not exist.');
    await fill(wrapper, { cid: '2' });
    expect(feedbackFor(wrapper, 'cid')).toBe('');
  });

  it('reuses the key when the same body is sent again, and makes a new one when it changes', async () => {
    mock.onPost('/api/opportunities').networkErrorOnce();
    mock.onPost('/api/opportunities').replyOnce(409, errorBody(409, 'A request with this Idempotency-Key is in flight.'));
    mock.onPost('/api/opportunities').reply(201, opportunity());
    const { wrapper } = await mountAt(OpportunityNewPage, '/opportunities/new');
    await fill(wrapper, { cid: '2', monthly_estimated_revenue: '12.34', estimated_delivery_date: SOON });
    await submit(wrapper);
    expect(byTestId(wrapper, 'error-message').text()).toBe('The API cannot be reached.');
    await submit(wrapper);
    expect(byTestId(wrapper, 'error-message').text()).toContain('in flight');
    const [first, second] = mock.history.post.map((r) => r.headers['Idempotency-Key']);
    expect(second).toBe(first);
    await fill(wrapper, { monthly_estimated_revenue: '12.35' });
    await submit(wrapper);
    expect(mock.history.post[2].headers['Idempotency-Key']).not.toBe(first);
  });

  it('shows a 403 and tells read-only tokens they cannot create', async () => {
    mock.onPost('/api/opportunities').reply(403, errorBody(403, 'This token is read-only.'));
    const { wrapper } = await mountAt(OpportunityNewPage, '/opportunities/new');
    await fill(wrapper, { cid: '2', monthly_estimated_revenue: '12.34', estimated_delivery_date: SOON });
    await submit(wrapper);
    expect(byTestId(wrapper, 'error-message').text()).toBe('This token is read-only.');
    setMe(READER);
    const read = await mountAt(OpportunityNewPage, '/opportunities/new');
    expect(byTestId(read.wrapper, 'opportunity-new-read-only').exists()).toBe(true);
    expect(byTestId(read.wrapper, 'opportunity-form').exists()).toBe(false);
  });
});
