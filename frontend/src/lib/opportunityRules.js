/**
 * The API's rules for an opportunity (CONTRACT.md, intrasoft/opportunities), checked in the browser
 * so the form answers at once; the API checks them again and its 422 messages win.
 */
import { FIXED_PROBABILITY, OPEN_STATUSES, PRODUCTS, STATUSES, utcToday } from './domain';

export const MAX_MONTHLY_REVENUE = 1000000;
export const MAX_YEARS_AHEAD = 3;
export const MIN_DATE = '2000-01-01';
const MONEY = /^\d+(\.\d{1,2})?$/;
const CONTROL = /[\u0000-\u001f\u007f]/; // eslint-disable-line no-control-regex
const TEXT_LIMITS = {
  name: 200,
  opportunity_sales_group: 32,
  non_recurring: 32,
  account_executive: 100,
  technical_specialist: 100,
};

/** today + 3 years; 29 February gives 28 February (as the API does). */
export function latestDeliveryDate(today = utcToday()) {
  const [year, month, dayOfMonth] = today.split('-').map(Number);
  const target = year + MAX_YEARS_AHEAD;
  const leap = (target % 4 === 0 && target % 100 !== 0) || target % 400 === 0;
  const d = month === 2 && dayOfMonth === 29 && !leap ? 28 : dayOfMonth;
  return `${target}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function isIsoDate(value) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** A deal edited for something else: its unchanged date (overdue, say) is the API's to judge. */
function keptDate(original, date, status) {
  return Boolean(original) && original.estimated_delivery_date === date && original.opportunity_status === status;
}

/**
 * Errors of a form's values as {field: message}; empty when valid.
 * `mode` 'create' requires cid, revenue and date; 'edit' checks only what is there.
 */
export function validateOpportunity(values, { mode = 'create', today = utcToday(), original = null } = {}) {
  const errors = {};
  const status = (values.opportunity_status || 'prospecting').toLowerCase();

  if (mode === 'create') {
    const cid = String(values.cid ?? '').trim();
    if (!cid) errors.cid = 'Enter the customer\'s CID.';
    else if (!/^\d+$/.test(cid) || Number(cid) < 1) errors.cid = 'A CID is a whole number of at least 1.';
  }

  const revenue = String(values.monthly_estimated_revenue ?? '').trim();
  if (!revenue) {
    if (mode === 'create') errors.monthly_estimated_revenue = 'Enter the monthly revenue.';
  } else if (!MONEY.test(revenue)) {
    errors.monthly_estimated_revenue = 'A number with at most two decimal places, e.g. 2500.00.';
  } else if (Number(revenue) <= 0) {
    errors.monthly_estimated_revenue = 'Must be greater than 0.';
  } else if (Number(revenue) > MAX_MONTHLY_REVENUE) {
    errors.monthly_estimated_revenue = 'At most 1,000,000.00 a month.';
  }

  const date = String(values.estimated_delivery_date ?? '').trim();
  if (!date) {
    if (mode === 'create') errors.estimated_delivery_date = 'Choose the delivery date.';
  } else if (!isIsoDate(date)) {
    errors.estimated_delivery_date = 'Not a valid date.';
  } else if (keptDate(original, date, status)) {
    // unchanged: nothing to check here
  } else if (date < MIN_DATE) {
    errors.estimated_delivery_date = 'Cannot be before 2000-01-01.';
  } else if (OPEN_STATUSES.includes(status) && date < today) {
    errors.estimated_delivery_date = `An open opportunity cannot be delivered in the past (today is ${today}).`;
  } else if (date > latestDeliveryDate(today)) {
    errors.estimated_delivery_date = `At most ${MAX_YEARS_AHEAD} years ahead (${latestDeliveryDate(today)}).`;
  }

  if (!STATUSES.includes(status)) errors.opportunity_status = `One of: ${STATUSES.join(', ')}.`;

  const probability = String(values.probability ?? '').trim();
  if (probability) {
    if (!/^\d+$/.test(probability) || Number(probability) > 100) {
      errors.probability = 'A whole number from 0 to 100.';
    } else if (status in FIXED_PROBABILITY && Number(probability) !== FIXED_PROBABILITY[status]) {
      errors.probability = `A ${status} opportunity always has probability ${FIXED_PROBABILITY[status]}.`;
    }
  }

  if (values.product && !PRODUCTS.includes(values.product)) errors.product = `One of: ${PRODUCTS.join(', ')}.`;

  Object.keys(TEXT_LIMITS).forEach((field) => {
    const text = values[field];
    if (text === null || text === undefined || text === '') return;
    if (CONTROL.test(text)) errors[field] = 'Must not contain control characters.';
    else if (text.trim().length > TEXT_LIMITS[field]) errors[field] = `At most ${TEXT_LIMITS[field]} characters.`;
  });
  return errors;
}

/** The JSON body the API expects from the form's strings (empty optional fields left out). */
export function opportunityBody(values, { mode = 'create' } = {}) {
  const body = {};
  if (mode === 'create') body.cid = Number(String(values.cid).trim());
  const text = (field) => {
    const value = values[field];
    if (value === undefined) return;
    const trimmed = value === null ? '' : String(value).trim();
    if (trimmed) body[field] = trimmed;
    else if (mode === 'edit') body[field] = null;
  };
  ['name', 'opportunity_sales_group', 'non_recurring', 'account_executive', 'technical_specialist'].forEach(text);
  if (values.product) body.product = values.product;
  else if (mode === 'edit' && values.product !== undefined) body.product = null;
  if (values.opportunity_status) body.opportunity_status = values.opportunity_status;
  const revenue = String(values.monthly_estimated_revenue ?? '').trim();
  if (revenue) body.monthly_estimated_revenue = revenue;
  const date = String(values.estimated_delivery_date ?? '').trim();
  if (date) body.estimated_delivery_date = date;
  const probability = String(values.probability ?? '').trim();
  if (probability) body.probability = Number(probability);
  return body;
}
