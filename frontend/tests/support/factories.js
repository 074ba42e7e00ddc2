/** Response bodies shaped as CONTRACT.md says. */
export function people(count, country = 'France') {
  return Array.from({ length: count }, (_, i) => ({
    id: `${country.slice(0, 2).toLowerCase()}-${String(i).padStart(6, '0')}`,
    name: `Person ${i} ${country}`,
    gender: i % 2 ? 'female' : 'male',
    email: `person${i}@${country.toLowerCase()}.example.com`,
  }));
}

export function countriesBody({ sizes = { France: 3, Germany: 2 }, stale = false, reason = null } = {}) {
  return {
    countries: Object.keys(sizes).map((name) => ({ name, users: people(sizes[name], name) })),
    sync: {
      synced_at: '2026-11-22T02:47:08.173562Z',
      run_id: 1,
      stale,
      last_attempt: stale
        ? { run_id: 2, status: 'failed', finished_at: '2026-11-22T03:00:00Z', reason }
        : { run_id: 1, status: 'succeeded', finished_at: '2026-11-22T02:47:08Z', reason: null },
    },
  };
}

export function customer(cid, overrides = {}) {
  return {
    cid,
    name: `Customer name ${cid}`,
    area: 'France',
    customer_type: 'Mid-Market',
    has_dedicated_account_manager: true,
    has_dedicated_technical_consultant: false,
    has_support_contract: true,
    has_discounted_pricing: false,
    account_executive: 'Claire Martin',
    technical_specialist: 'Lucas Bernard',
    contract_start_date: '2023-09-01',
    contract_renewal_date: '2026-09-01',
    subscriptions: ['accounting', 'payroll'],
    created_at: '2026-11-22T02:47:08Z',
    updated_at: '2026-11-22T02:47:08Z',
    ...overrides,
  };
}

/** A date `days` from today (UTC), as the API writes dates. */
export function daysFromToday(days) {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

let counter = 0;
export function opportunity(overrides = {}) {
  counter += 1;
  const oid = overrides.oid || counter.toString(16).padStart(32, '0');
  return {
    oid,
    cid: 5987,
    opportunity_sales_group: 'Enterprise AE',
    opportunity_status: 'proposal',
    monthly_estimated_revenue: '2500.00',
    estimated_delivery_date: daysFromToday(90),
    non_recurring: 'No',
    days_since_last_updated: 3,
    name: `Deal ${counter}`,
    product: 'payroll',
    probability: 50,
    currency: 'EUR',
    account_executive: 'Claire Martin',
    technical_specialist: null,
    version: 4,
    created_at: '2026-11-22T02:47:08Z',
    updated_at: '2026-11-22T02:47:08Z',
    ...overrides,
  };
}

export function cursorHeaders(nextAfter, pageSize = 50) {
  return { 'x-pagination': JSON.stringify({ page_size: pageSize, next_after: nextAfter }) };
}
