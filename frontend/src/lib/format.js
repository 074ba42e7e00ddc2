/** Display helpers shared by the pages: money in EUR, dates, names. */

const eur = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });
const eurWhole = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });
const integer = new Intl.NumberFormat('en-IE');
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });

function toNumber(value) {
  if (value === null || value === undefined || value === '') return null;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : null;
}

/** "2500.00" -> "€2,500.00"; null/absent -> the placeholder. */
export function money(value, { whole = false, placeholder = '—' } = {}) {
  const number = toNumber(value);
  if (number === null) return placeholder;
  return (whole ? eurWhole : eur).format(number);
}

export function percent(value, placeholder = '—') {
  const number = toNumber(value);
  return number === null ? placeholder : `${number.toFixed(2)} %`;
}

export function count(value) {
  const number = toNumber(value);
  return number === null ? '—' : integer.format(number);
}

/** An ISO date-time from the API, in the reader's time zone. */
export function when(iso, placeholder = '—') {
  if (!iso) return placeholder;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** A calendar date ("2026-03-01") shown as it is, whatever the reader's time zone. */
export function day(isoDate, placeholder = '—') {
  if (!isoDate) return placeholder;
  const date = new Date(`${isoDate}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? isoDate : dateOnly.format(date);
}

/** "today", "1 day ago", "12 days ago" (from days_since_last_updated). */
export function daysAgo(days) {
  if (days === null || days === undefined) return '—';
  if (days === 0) return 'today';
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** A customer without a name is shown by its CID. */
export function customerName(customer) {
  if (!customer) return '';
  return customer.name || `Customer ${customer.cid}`;
}

export const STATUS_LABELS = {
  prospecting: 'Prospecting',
  qualification: 'Qualification',
  proposal: 'Proposal',
  negotiation: 'Negotiation',
  won: 'Won',
  lost: 'Lost',
};

export const PRODUCT_LABELS = {
  accounting: 'Accounting',
  time_entry: 'Time entry',
  payroll: 'Payroll',
  expenses: 'Expenses',
};

export function statusLabel(status) {
  return STATUS_LABELS[status] || status;
}

export function productLabel(product) {
  return (product && PRODUCT_LABELS[product]) || product || '—';
}
