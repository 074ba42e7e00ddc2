import OpportunityEditPage from '../../src/pages/OpportunityEditPage.vue';
import { READER, SERVICE, byTestId, errorBody, flush, mockApi, mountAt, setMe } from '../support/helpers';
import { opportunity } from '../support/factories';

const OID = 'e'.repeat(32);
const field = (wrapper, name) => byTestId(wrapper, `opp-field-${name}`);
const feedbackFor = (wrapper, name) => {
  const feedback = field(wrapper, name).element.closest('.form-group').querySelector('.invalid-feedback');
  return feedback ? feedback.textContent.trim() : '';
};
const mountPage = (query = '') => mountAt(OpportunityEditPage, `/opportunities/${OID}${query}`, { propsData: { oid: OID } });
async function save(wrapper) {
  await byTestId(wrapper, 'opportunity-form').trigger('submit');
  await flush();
}

describe('an opportunity\'s page', () => {
  let mock;
  const current = opportunity({ oid: OID, name: 'Payroll roll-out', version: 4, technical_specialist: null });
  beforeEach(() => {
    mock = mockApi();
    setMe(SERVICE);
  });
  afterEach(() => mock.restore());

  it('shows the opportunity, and the notice after a creation with a link to the board', async () => {
    mock.onGet(`/api/opportunities/${OID}`).reply(200, current);
    const { wrapper } = await mountPage('?created=1');
    expect(byTestId(wrapper, 'opportunity-title').text()).toContain('Payroll roll-out');
    expect(byTestId(wrapper, 'opportunity-title').text()).toContain('Proposal');
    expect(byTestId(wrapper, 'opportunity-summary').text()).toContain('€2,500.00 / month');
    expect(byTestId(wrapper, 'opportunity-created-board').attributes('href')).toBe('/opportunities?view=board&cid=5987');
    expect(field(wrapper, 'name').element.value).toBe('Payroll roll-out');
    expect(field(wrapper, 'cid').exists()).toBe(false); // cid cannot change
  });

  it('PATCHes only what changed, with If-Match on the loaded version', async () => {
    mock.onGet(`/api/opportunities/${OID}`).reply(200, current);
    mock.onPatch(`/api/opportunities/${OID}`).reply(200, { ...current, name: 'Renamed', technical_specialist: 'Ana', version: 5 });
    const { wrapper } = await mountPage();
    await field(wrapper, 'name').setValue('Renamed');
    await field(wrapper, 'technical_specialist').setValue('Ana');
    await field(wrapper, 'account_executive').setValue('');
    await save(wrapper);
    const patch = mock.history.patch[0];
    expect(patch.headers['If-Match']).toBe('"4"');
    expect(JSON.parse(patch.data)).toEqual({ name: 'Renamed', technical_specialist: 'Ana', account_executive: null });
    expect(byTestId(wrapper, 'opportunity-saved').exists()).toBe(true);
    expect(byTestId(wrapper, 'opportunity-summary').text()).toContain('version 5');
  });

  it('saves nothing when nothing changed', async () => {
    mock.onGet(`/api/opportunities/${OID}`).reply(200, current);
    const { wrapper } = await mountPage();
    await save(wrapper);
    expect(mock.history.patch).toHaveLength(0);
    expect(byTestId(wrapper, 'opportunity-saved').exists()).toBe(true);
  });

  it('on 412 keeps the form, says someone else saved, and loads their version on request', async () => {
    mock.onGet(`/api/opportunities/${OID}`).replyOnce(200, current);
    mock.onPatch(`/api/opportunities/${OID}`).reply(412, errorBody(412, 'The opportunity has changed since version 4.'));
    mock.onGet(`/api/opportunities/${OID}`).replyOnce(200, { ...current, name: 'Their name', version: 6 });
    const { wrapper } = await mountPage();
    await field(wrapper, 'name').setValue('My name');
    await save(wrapper);
    expect(byTestId(wrapper, 'opportunity-conflict-message').text()).toBe('The opportunity has changed since version 4.');
    expect(field(wrapper, 'name').element.value).toBe('My name');
    await byTestId(wrapper, 'opportunity-reload').trigger('click');
    await flush();
    expect(field(wrapper, 'name').element.value).toBe('Their name');
    expect(byTestId(wrapper, 'opportunity-conflict').exists()).toBe(false);
  });

  it('shows a 409 on a final status at the status field', async () => {
    const won = { ...current, opportunity_status: 'won', probability: 100 };
    mock.onGet(`/api/opportunities/${OID}`).reply(200, won);
    mock.onPatch(`/api/opportunities/${OID}`).reply(409, errorBody(409, 'The opportunity is won: its status is final.', {
      json: { opportunity_status: ['The opportunity is won: its status is final.'] },
    }));
    const { wrapper } = await mountPage();
    await field(wrapper, 'opportunity_status').setValue('negotiation');
    expect(field(wrapper, 'probability').element.value).toBe('75'); // the old status's value follows the new default
    await save(wrapper);
    expect(JSON.parse(mock.history.patch[0].data)).toEqual({ opportunity_status: 'negotiation', probability: 75 });
    expect(feedbackFor(wrapper, 'opportunity_status')).toBe('The opportunity is won: its status is final.');
    expect(byTestId(wrapper, 'error-message').text()).toBe('The opportunity is won: its status is final.');
  });

  it('follows the status default probability, and leaves an overdue date alone when it is not changed', async () => {
    const overdue = { ...current, estimated_delivery_date: '2020-01-01', probability: 50 };
    mock.onGet(`/api/opportunities/${OID}`).reply(200, overdue);
    mock.onPatch(`/api/opportunities/${OID}`).reply(200, { ...overdue, name: 'x', version: 5 });
    const { wrapper } = await mountPage();
    await field(wrapper, 'opportunity_status').setValue('negotiation');
    expect(field(wrapper, 'probability').element.value).toBe('75');
    expect(feedbackFor(wrapper, 'estimated_delivery_date')).toBe('');
    await save(wrapper);
    expect(feedbackFor(wrapper, 'estimated_delivery_date')).toMatch(/cannot be delivered in the past/); // status changed: the rule applies
    await field(wrapper, 'opportunity_status').setValue('proposal');
    await field(wrapper, 'name').setValue('x');
    await save(wrapper);
    expect(JSON.parse(mock.history.patch[0].data)).toEqual({ name: 'x' });
  });

  it('shows 422 field errors next to their fields', async () => {
    mock.onGet(`/api/opportunities/${OID}`).reply(200, current);
    mock.onPatch(`/api/opportunities/${OID}`).reply(422, errorBody(422, 'Invalid.', {
      json: { monthly_estimated_revenue: ['Must be at most 1000000.'] },
    }));
    const { wrapper } = await mountPage();
    await field(wrapper, 'monthly_estimated_revenue').setValue('999.99');
    await save(wrapper);
    expect(feedbackFor(wrapper, 'monthly_estimated_revenue')).toBe('Must be at most 1000000.');
  });

  it('is read-only for read tokens, and shows a 404', async () => {
    setMe(READER);
    mock.onGet(`/api/opportunities/${OID}`).replyOnce(200, current);
    const { wrapper } = await mountPage();
    expect(byTestId(wrapper, 'opportunity-form').exists()).toBe(false);
    mock.onGet(`/api/opportunities/${OID}`).replyOnce(404, errorBody(404, 'Opportunity not found.'));
    const missing = await mountPage();
    expect(byTestId(missing.wrapper, 'error-message').text()).toBe('Opportunity not found.');
  });

  it('reloads by itself after an outage', async () => {
    jest.useFakeTimers();
    mock.onGet(`/api/opportunities/${OID}`).networkErrorOnce();
    mock.onGet('/ready').reply(200, {});
    mock.onGet(`/api/opportunities/${OID}`).reply(200, current);
    const { wrapper } = await mountPage();
    expect(byTestId(wrapper, 'error-alert').exists()).toBe(true);
    await jest.advanceTimersByTimeAsync(2000);
    await flush();
    expect(byTestId(wrapper, 'opportunity-title').exists()).toBe(true);
    wrapper.destroy();
    jest.useRealTimers();
  });
});
