/** The API's reference values (intrasoft/customers/reference.py, opportunities/reference.py and
 * revenue/fiscal.py), for pickers and client-side validation. */
export const AREAS = ['France', 'Germany', 'Switzerland', 'Netherlands', 'UK'];
export const PRODUCTS = ['accounting', 'time_entry', 'payroll', 'expenses'];
export const CUSTOMER_TYPES = ['SMB', 'Mid-Market', 'Enterprise'];
export const OPEN_STATUSES = ['prospecting', 'qualification', 'proposal', 'negotiation'];
export const CLOSED_STATUSES = ['won', 'lost'];
export const STATUSES = [...OPEN_STATUSES, ...CLOSED_STATUSES];
export const DEFAULT_PROBABILITY = { prospecting: 10, qualification: 25, proposal: 50, negotiation: 75, won: 100, lost: 0 };
export const FIXED_PROBABILITY = { won: 100, lost: 0 };
export const CUSTOMER_FLAGS = [
  { key: 'has_dedicated_account_manager', label: 'Account manager' },
  { key: 'has_dedicated_technical_consultant', label: 'Technical consultant' },
  { key: 'has_support_contract', label: 'Support contract' },
  { key: 'has_discounted_pricing', label: 'Discounted pricing' },
];
export const MESSAGE_MAX_CHARACTERS = 280;

/** Today's date in UTC as YYYY-MM-DD: the API's "today" for delivery dates. */
export function utcToday(now = new Date()) {
  return now.toISOString().slice(0, 10);
}

/** FY N runs 1 July N-1 to 30 June N. */
export function fiscalYearOf(isoDate) {
  const [year, month] = isoDate.split('-').map(Number);
  return month >= 7 ? year + 1 : year;
}
