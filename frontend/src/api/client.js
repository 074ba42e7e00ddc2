/**
 * The one HTTP client of the dashboard: an axios instance that every page goes through.
 *
 * It adds the bearer token to every request, turns every failure into an `ApiError` carrying the
 * API's own message and field errors, sends the user back to sign-in on any 401, and notices when
 * the API is down (no answer, or 503): it then raises the outage flag, probes `/ready` until the
 * API answers again, and tells whoever subscribed with `onApiRecovered` so pages reload themselves.
 */
import axios from 'axios';
import Vue from 'vue';

export const TOKEN_KEY = 'intrasoft.token';
const DEFAULT_TIMEOUT_MS = 20000;
const PROBE_MIN_SECONDS = 2;
const PROBE_MAX_SECONDS = 15;

export const http = axios.create({
  timeout: DEFAULT_TIMEOUT_MS,
  headers: { Accept: 'application/json' },
});

/** Outage state, reactive so the banner follows it. */
export const apiStatus = Vue.observable({ down: false, message: '', nextProbeSeconds: null });

// --- token ------------------------------------------------------------------------------------

function storage() {
  try {
    return window.localStorage;
  } catch (e) {
    return null; // storage disabled by the browser: the token lives only in memory
  }
}

let memoryToken = null;

export function getToken() {
  const store = storage();
  return (store ? store.getItem(TOKEN_KEY) : memoryToken) || null;
}

export function setToken(token) {
  const store = storage();
  if (store) store.setItem(TOKEN_KEY, token);
  else memoryToken = token;
}

export function clearToken() {
  const store = storage();
  if (store) store.removeItem(TOKEN_KEY);
  memoryToken = null;
}

// --- errors -----------------------------------------------------------------------------------

/** A failed request, described for people: the API's message, its status and the fields at fault. */
export class ApiError extends Error {
  constructor(message, { status = null, code = null, errors = null, kind = 'http', data = null, retryAfter = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.errors = errors || {};
    /** 'http' (the API answered), 'network' (no answer), 'timeout', 'canceled' */
    this.kind = kind;
    this.data = data;
    /** Seconds from a Retry-After header (503, 429), or null. */
    this.retryAfter = retryAfter;
  }

  /** Field errors of one location (`json`, `query`, ...) as {field: "message; message"}. */
  fieldErrors(location = 'json') {
    const fields = (this.errors && this.errors[location]) || {};
    const out = {};
    Object.keys(fields).forEach((name) => {
      out[name] = flattenMessages(fields[name]);
    });
    return out;
  }

  get isOutage() {
    return this.kind === 'network' || this.kind === 'timeout' || this.status === 503;
  }
}

function flattenMessages(value) {
  if (Array.isArray(value)) return value.map(flattenMessages).join(' ');
  if (value && typeof value === 'object') {
    return Object.keys(value)
      .map((key) => `${key}: ${flattenMessages(value[key])}`)
      .join(' ');
  }
  return String(value);
}

const STATUS_TEXT = {
  400: 'The request was not understood.',
  401: 'A valid token is required: please sign in.',
  403: 'Your token is not allowed to do this.',
  404: 'Not found.',
  409: 'The request conflicts with the current state.',
  412: 'Someone else changed this in the meantime.',
  413: 'The request is too large.',
  422: 'Some fields are not valid.',
  429: 'Too many requests: wait a moment and try again.',
  503: 'The service is temporarily unavailable.',
};

function retryAfterSeconds(response) {
  const value = response && response.headers && response.headers['retry-after'];
  const seconds = Number.parseInt(value, 10);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

export function toApiError(error) {
  if (error instanceof ApiError) return error;
  if (axios.isCancel(error)) return new ApiError('The request was canceled.', { kind: 'canceled' });
  const response = error && error.response;
  if (!response) {
    const timedOut = error && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT');
    return timedOut
      ? new ApiError('The API did not answer in time.', { kind: 'timeout' })
      : new ApiError('The API cannot be reached.', { kind: 'network' });
  }
  const body = response.data && typeof response.data === 'object' ? response.data : {};
  const message =
    (typeof body.message === 'string' && body.message) ||
    STATUS_TEXT[response.status] ||
    `The request failed (HTTP ${response.status}).`;
  return new ApiError(message, {
    status: response.status,
    code: body.code || response.status,
    errors: body.errors,
    data: body,
    retryAfter: retryAfterSeconds(response),
  });
}

// --- 401 and outages --------------------------------------------------------------------------

let unauthorizedHandler = null;
/** The router registers what a 401 does (forget the token, go to sign-in keeping the page). */
export function setUnauthorizedHandler(handler) {
  unauthorizedHandler = handler;
}

const recoveryListeners = new Set();
/** Call `listener` whenever the API answers again after an outage; returns the unsubscribe. */
export function onApiRecovered(listener) {
  recoveryListeners.add(listener);
  return () => recoveryListeners.delete(listener);
}

let probeTimer = null;
let probeFailures = 0;

function scheduleProbe(seconds) {
  if (probeTimer) clearTimeout(probeTimer);
  const delay = Math.min(PROBE_MAX_SECONDS, Math.max(PROBE_MIN_SECONDS, seconds));
  apiStatus.nextProbeSeconds = delay;
  probeTimer = setTimeout(probe, delay * 1000);
}

function markDown(apiError) {
  const wasDown = apiStatus.down;
  apiStatus.down = true;
  apiStatus.message = apiError.message;
  if (!wasDown || !probeTimer) {
    probeFailures = 0;
    scheduleProbe(apiError.retryAfter || PROBE_MIN_SECONDS);
  }
}

function markUp() {
  if (!apiStatus.down) return;
  if (probeTimer) clearTimeout(probeTimer);
  probeTimer = null;
  probeFailures = 0;
  apiStatus.down = false;
  apiStatus.message = '';
  apiStatus.nextProbeSeconds = null;
  recoveryListeners.forEach((listener) => listener());
}

async function probe() {
  probeTimer = null;
  try {
    await http.get('/ready', { outageProbe: true });
    markUp();
  } catch (error) {
    probeFailures += 1;
    scheduleProbe(error.retryAfter || PROBE_MIN_SECONDS * 2 ** probeFailures);
  }
}

/** Test hook: forget outage state and timers. */
export function resetApiStatus() {
  if (probeTimer) clearTimeout(probeTimer);
  probeTimer = null;
  probeFailures = 0;
  apiStatus.down = false;
  apiStatus.message = '';
  apiStatus.nextProbeSeconds = null;
}

http.interceptors.request.use((config) => {
  const token = getToken();
  if (token) config.headers.Authorization = `Bearer ${token}`;
  return config;
});

http.interceptors.response.use(
  (response) => {
    if (!response.config.outageProbe) markUp();
    return response;
  },
  (error) => {
    const apiError = toApiError(error);
    const config = (error && error.config) || {};
    if (apiError.isOutage && !config.outageProbe) markDown(apiError);
    else if (apiError.kind === 'http' && !config.outageProbe) markUp();
    if (apiError.status === 401 && !config.skipAuthRedirect && unauthorizedHandler) {
      unauthorizedHandler(apiError);
    }
    return Promise.reject(apiError);
  },
);

// --- helpers ----------------------------------------------------------------------------------

/** `X-Pagination` as an object ({} when absent or unreadable). */
export function pagination(response) {
  const raw = response.headers && response.headers['x-pagination'];
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch (e) {
    return {};
  }
}

/** Drop empty filters so URLs and requests carry only what the user chose. */
export function cleanParams(params = {}) {
  const out = {};
  Object.keys(params).forEach((key) => {
    const value = params[key];
    if (value !== undefined && value !== null && value !== '') out[key] = value;
  });
  return out;
}

/** A page of a cursor-paged list: {items, nextAfter} (nextAfter null on the last page). */
async function cursorPage(url, params, options = {}) {
  const response = await http.get(url, { params: cleanParams(params), signal: options.signal });
  const next = pagination(response).next_after;
  return { items: response.data, nextAfter: next === undefined || next === '' ? null : next };
}

/**
 * Every item of a cursor-paged list, page after page; `onProgress(count)` after each page.
 * Stops at `limit` items (then `truncated` is true). `first` is the cursor of the first page.
 */
export async function walkCursor(fetchPage, { first, limit = Infinity, onProgress, signal } = {}) {
  const items = [];
  let after = first;
  for (;;) {
    if (signal && signal.aborted) throw new ApiError('The request was canceled.', { kind: 'canceled' });
    // eslint-disable-next-line no-await-in-loop
    const page = await fetchPage(after);
    items.push(...page.items);
    if (onProgress) onProgress(items.length);
    if (page.nextAfter === null || page.nextAfter === undefined || page.items.length === 0) {
      return { items, truncated: false };
    }
    if (items.length >= limit) return { items: items.slice(0, limit), truncated: true };
    after = page.nextAfter;
  }
}

/** 32 hex characters from the browser's CSPRNG (crypto.randomUUID needs a secure context). */
export function randomKey() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

// --- endpoints --------------------------------------------------------------------------------

export const api = {
  me: () => http.get('/api/me', { skipAuthRedirect: true }).then((r) => r.data),
  ready: () => http.get('/ready').then((r) => r.data),

  countries: (options = {}) => http.get('/api/countries', { signal: options.signal }).then((r) => r.data),
  syncCountries: () => http.post('/api/countries/sync').then((r) => r.data),

  customers: (params, options) => cursorPage('/api/customers', params, options),
  customer: (cid, options = {}) =>
    http.get(`/api/customers/${encodeURIComponent(cid)}`, { signal: options.signal }).then((r) => r.data),
  customerOpportunities: (cid, params, options) =>
    cursorPage(`/api/customers/${encodeURIComponent(cid)}/opportunities`, params, options),

  opportunities: (params, options) => cursorPage('/api/opportunities', params, options),
  opportunity: (oid, options = {}) =>
    http.get(`/api/opportunities/${encodeURIComponent(oid)}`, { signal: options.signal }).then((r) => r.data),
  createOpportunity: (body, idempotencyKey) =>
    http
      .post('/api/opportunities', body, { headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} })
      .then((r) => r.data),
  /** PATCH guarded by the version the user saw: 412 when someone changed it since. */
  updateOpportunity: (oid, changes, version) =>
    http
      .patch(`/api/opportunities/${encodeURIComponent(oid)}`, changes, {
        headers: version === undefined || version === null ? {} : { 'If-Match': `"${version}"` },
      })
      .then((r) => r.data),

  revenueSummary: (params, options = {}) =>
    http.get('/api/revenue/summary', { params: cleanParams(params), signal: options.signal }).then((r) => r.data),
  dataQuality: (params, options = {}) =>
    http.get('/api/data-quality', { params: cleanParams(params), signal: options.signal }).then((r) => r.data),

  threads: async (params, options = {}) => {
    const response = await http.get('/api/threads', { params: cleanParams(params), signal: options.signal });
    return { items: response.data, pagination: pagination(response) };
  },
  thread: (id, options = {}) =>
    http.get(`/api/threads/${encodeURIComponent(id)}`, { signal: options.signal }).then((r) => r.data),
  messagesAfter: (id, after, options = {}) =>
    http
      .get(`/api/threads/${encodeURIComponent(id)}/messages`, {
        params: { after, page_size: 100 },
        signal: options.signal,
      })
      .then((r) => ({ items: r.data, nextAfter: pagination(r).next_after ?? null })),
  postMessage: (id, body) => http.post(`/api/threads/${encodeURIComponent(id)}/messages`, body).then((r) => r.data),
  markRead: (id, body) => http.put(`/api/threads/${encodeURIComponent(id)}/read`, body).then((r) => r.data),
  createThread: (body) => http.post('/api/threads', body).then((r) => r.data),
};
