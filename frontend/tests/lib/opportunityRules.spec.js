import { latestDeliveryDate, opportunityBody, validateOpportunity } from '../../src/lib/opportunityRules';

const TODAY = '2026-11-22';
const valid = { cid: '5987', monthly_estimated_revenue: '2500.00', estimated_delivery_date: '2027-03-01' };
const check = (values, options = {}) => validateOpportunity({ ...valid, ...values }, { today: TODAY, ...options });

describe('the opportunity rules (as the API checks them)', () => {
  it('accepts a valid opportunity', () => {
    expect(check({})).toEqual({});
  });

  it.each([
    ['cid', 'abc', 'A CID is a whole number of at least 1.'],
    ['cid', '0', 'A CID is a whole number of at least 1.'],
    ['monthly_estimated_revenue', '0', 'Must be greater than 0.'],
    ['monthly_estimated_revenue', '1000000.01', 'At most 1,000,000.00 a month.'],
    ['monthly_estimated_revenue', '1e3', 'A number with at most two decimal places, e.g. 2500.00.'],
    ['monthly_estimated_revenue', '-5', 'A number with at most two decimal places, e.g. 2500.00.'],
    ['estimated_delivery_date', '2026-02-30', 'Not a valid date.'],
    ['estimated_delivery_date', '1999-12-31', 'Cannot be before 2000-01-01.'],
    ['estimated_delivery_date', '2026-11-21', 'An open opportunity cannot be delivered in the past (today is 2026-11-22).'],
    ['estimated_delivery_date', '2029-11-23', 'At most 3 years ahead (2029-11-22).'],
    ['opportunity_status', 'dreaming', 'One of: prospecting, qualification, proposal, negotiation, won, lost.'],
    ['probability', '101', 'A whole number from 0 to 100.'],
    ['probability', '5.5', 'A whole number from 0 to 100.'],
    ['product', 'crm', 'One of: accounting, time_entry, payroll, expenses.'],
    ['name', 'x'.repeat(201), 'At most 200 characters.'],
    ['opportunity_sales_group', 'x'.repeat(33), 'At most 32 characters.'],
    ['non_recurring', 'a\u0007b', 'Must not contain control characters.'],
  ])('refuses %s = %j', (field, value, message) => {
    expect(check({ [field]: value })[field]).toBe(message);
  });

  it('accepts the boundaries', () => {
    expect(check({ monthly_estimated_revenue: '1000000', estimated_delivery_date: '2029-11-22', probability: '0' })).toEqual({});
    expect(check({ monthly_estimated_revenue: '0.01', estimated_delivery_date: TODAY })).toEqual({});
  });

  it('lets a closed deal be in the past but pins its probability', () => {
    expect(check({ opportunity_status: 'LOST', estimated_delivery_date: '2020-01-01', probability: '0' })).toEqual({});
    expect(check({ opportunity_status: 'lost', probability: '10' }).probability).toBe('A lost opportunity always has probability 0.');
  });

  it('in edit mode requires nothing and leaves an unchanged date to the API', () => {
    const original = { estimated_delivery_date: '2020-01-01', opportunity_status: 'proposal' };
    expect(validateOpportunity({ estimated_delivery_date: '2020-01-01', opportunity_status: 'proposal' }, { mode: 'edit', today: TODAY, original })).toEqual({});
    expect(validateOpportunity({}, { mode: 'edit', today: TODAY })).toEqual({});
  });

  it('gives 28 February three years after a 29 February', () => {
    expect(latestDeliveryDate('2028-02-29')).toBe('2031-02-28');
    expect(latestDeliveryDate('2024-02-29')).toBe('2027-02-28');
    expect(latestDeliveryDate('1997-02-28')).toBe('2000-02-28');
    expect(latestDeliveryDate('2025-02-29'.replace('29', '28'))).toBe('2028-02-28');
    expect(latestDeliveryDate('2097-02-28')).toBe('2100-02-28');
    expect(latestDeliveryDate()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('builds the request body: trimmed strings, numbers, empty optional fields left out (create) or cleared (edit)', () => {
    expect(opportunityBody({ ...valid, cid: ' 12 ', name: '  ', probability: '40', product: '', opportunity_status: 'proposal' })).toEqual({
      cid: 12,
      monthly_estimated_revenue: '2500.00',
      estimated_delivery_date: '2027-03-01',
      probability: 40,
      opportunity_status: 'proposal',
    });
    expect(opportunityBody({ name: '', product: '', account_executive: null }, { mode: 'edit' })).toEqual({ name: null, product: null, account_executive: null });
  });
});
