import { ApiError, TOKEN_KEY, api, apiStatus, cleanParams, getToken, http, onApiRecovered, pagination, randomKey, setToken, setUnauthorizedHandler, toApiError, walkCursor } from '../../src/api/client';
import { errorBody, mockApi } from '../support/helpers';

describe('the API client', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
  });
  afterEach(() => {
    mock.restore();
    jest.useRealTimers();
  });

  it('sends the stored token as a bearer token on every request, and none when signed out', async () => {
    mock.onGet('/api/me').reply((config) => [200, { auth: config.headers.Authorization || null }]);
    expect(await api.me()).toEqual({ auth: null });
    setToken('dev-service-token');
    expect(window.localStorage.getItem(TOKEN_KEY)).toBe('dev-service-token');
    expect(await api.me()).toEqual({ auth: 'Bearer dev-service-token' });
  });

  it('turns an API error body into an ApiError with its message and field errors', async () => {
    mock.onPost('/api/opportunities').reply(
      422,
      errorBody(422, 'The request is not valid; see errors for the fields at fault.', {
        json: { cid: ['Customer 99999 does not exist.'], monthly_estimated_revenue: ['Too big.', 'Too precise.'] },
      }),
    );
    const error = await api.createOpportunity({ cid: 99999 }, 'k1').catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.message).toBe('The request is not valid; see errors for the fields at fault.');
    expect(error.fieldErrors('json')).toEqual({
      cid: 'Customer 99999 does not exist.',
      monthly_estimated_revenue: 'Too big. Too precise.',
    });
    expect(error.fieldErrors('query')).toEqual({});
    expect(mock.history.post[0].headers['Idempotency-Key']).toBe('k1');
  });

  it('flattens nested field errors and falls back to a status text when the body has no message', () => {
    const nested = toApiError({ response: { status: 422, data: { errors: { json: { users: { 0: ['Bad name.'] } } } } } });
    expect(nested.fieldErrors()).toEqual({ users: '0: Bad name.' });
    expect(nested.message).toBe('Some fields are not valid.');
    expect(toApiError({ response: { status: 418, data: '<html>' } }).message).toBe('The request failed (HTTP 418).');
    const same = new ApiError('x');
    expect(toApiError(same)).toBe(same);
    expect(toApiError({ code: 'ECONNABORTED' }).kind).toBe('timeout');
  });

  it('sends If-Match with the quoted version on PATCH, and nothing without a version', async () => {
    mock.onPatch('/api/opportunities/abc').reply(200, { oid: 'abc', version: 5 });
    await api.updateOpportunity('abc', { opportunity_status: 'won' }, 4);
    await api.updateOpportunity('abc', { name: 'x' });
    expect(mock.history.patch[0].headers['If-Match']).toBe('"4"');
    expect(JSON.parse(mock.history.patch[0].data)).toEqual({ opportunity_status: 'won' });
    expect(mock.history.patch[1].headers['If-Match']).toBeUndefined();
  });

  it('reads the cursor from X-Pagination and walks every page', async () => {
    mock.onGet('/api/customers').reply((config) => {
      const after = Number(config.params.after);
      const next = after < 2 ? after + 1 : null;
      return [200, [{ cid: after + 1 }], { 'x-pagination': JSON.stringify({ page_size: 1, next_after: next }) }];
    });
    const progress = [];
    const { items, truncated } = await walkCursor((after) => api.customers({ after, area: '', q: 'x' }), {
      first: 0,
      onProgress: (n) => progress.push(n),
    });
    expect(items.map((c) => c.cid)).toEqual([1, 2, 3]);
    expect(truncated).toBe(false);
    expect(progress).toEqual([1, 2, 3]);
    expect(mock.history.get[0].params).toEqual({ after: 0, q: 'x' });
  });

  it('stops walking at the limit and says the list was truncated', async () => {
    mock.onGet('/api/opportunities').reply(200, [{ oid: 'a' }, { oid: 'b' }], { 'x-pagination': '{"next_after": "b"}' });
    const result = await walkCursor((after) => api.opportunities({ after }), { first: '', limit: 3 });
    expect(result.items).toHaveLength(3);
    expect(result.truncated).toBe(true);
  });

  it('stops walking when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(walkCursor(() => Promise.resolve({ items: [], nextAfter: null }), { signal: controller.signal })).rejects.toMatchObject({ kind: 'canceled' });
  });

  it('tolerates a missing or broken X-Pagination header', () => {
    expect(pagination({ headers: {} })).toEqual({});
    expect(pagination({ headers: { 'x-pagination': '{oops' } })).toEqual({});
    expect(cleanParams({ a: '', b: null, c: 0, d: 'x' })).toEqual({ c: 0, d: 'x' });
  });

  it('calls the unauthorized handler on a 401, except for GET /api/me', async () => {
    const handler = jest.fn();
    setUnauthorizedHandler(handler);
    mock.onGet('/api/customers').reply(401, errorBody(401, 'A valid bearer token is required for this request.'));
    mock.onGet('/api/me').reply(401, errorBody(401, 'Invalid token.'));
    await expect(api.customers({})).rejects.toMatchObject({ status: 401 });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].message).toBe('A valid bearer token is required for this request.');
    await expect(api.me()).rejects.toMatchObject({ status: 401 });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('raises the outage flag on a network error, probes /ready and recovers by itself', async () => {
    jest.useFakeTimers();
    const recovered = jest.fn();
    const stop = onApiRecovered(recovered);
    mock.onGet('/api/countries').networkErrorOnce();
    mock.onGet('/ready').replyOnce(503, errorBody(503, 'Database unavailable.'), { 'retry-after': '3' });
    mock.onGet('/ready').replyOnce(200, { status: 'ready' });

    const error = await api.countries().catch((e) => e);
    expect(error.kind).toBe('network');
    expect(error.isOutage).toBe(true);
    expect(error.message).toBe('The API cannot be reached.');
    expect(apiStatus.down).toBe(true);
    expect(apiStatus.nextProbeSeconds).toBe(2);

    await jest.advanceTimersByTimeAsync(2000); // first probe: 503 with Retry-After 3
    expect(mock.history.get.filter((r) => r.url === '/ready')).toHaveLength(1);
    expect(apiStatus.down).toBe(true);
    expect(apiStatus.nextProbeSeconds).toBe(3);
    expect(recovered).not.toHaveBeenCalled();

    await jest.advanceTimersByTimeAsync(3000); // second probe: ready
    expect(apiStatus.down).toBe(false);
    expect(recovered).toHaveBeenCalledTimes(1);
    stop();
  });

  it('treats a 503 as an outage and any later answer as the end of it', async () => {
    jest.useFakeTimers();
    mock.onGet('/api/revenue/summary').replyOnce(503, errorBody(503, 'The database is unreachable.'));
    mock.onGet('/api/revenue/summary').replyOnce(404, errorBody(404, 'Not found.'));
    const first = await api.revenueSummary({}).catch((e) => e);
    expect(first.isOutage).toBe(true);
    expect(apiStatus.message).toBe('The database is unreachable.');
    await api.revenueSummary({}).catch((e) => e);
    expect(apiStatus.down).toBe(false);
  });

  it('backs off while /ready keeps failing', async () => {
    jest.useFakeTimers();
    mock.onGet('/api/me').networkError();
    mock.onGet('/ready').networkError();
    await api.me().catch(() => {});
    await jest.advanceTimersByTimeAsync(2000);
    expect(apiStatus.nextProbeSeconds).toBe(4);
    await jest.advanceTimersByTimeAsync(4000);
    expect(apiStatus.nextProbeSeconds).toBe(8);
    await jest.advanceTimersByTimeAsync(8000);
    expect(apiStatus.nextProbeSeconds).toBe(15);
  });

  it('does not count a canceled request as an outage', async () => {
    mock.onGet('/api/customers/5').reply(200, { cid: 5 });
    const controller = new AbortController();
    controller.abort();
    const error = await api.customer(5, { signal: controller.signal }).catch((e) => e);
    expect(error.kind).toBe('canceled');
    expect(apiStatus.down).toBe(false);
  });

  it('has an endpoint for every call the pages make', async () => {
    mock.onAny().reply((config) => [200, { method: config.method, url: config.url, params: config.params || null, data: config.data ? JSON.parse(config.data) : null }]);
    expect((await api.ready()).url).toBe('/ready');
    expect((await api.syncCountries()).method).toBe('post');
    expect((await api.customerOpportunities(7, { after: '' })).items.url).toBe('/api/customers/7/opportunities');
    expect((await api.opportunity('o1')).url).toBe('/api/opportunities/o1');
    expect((await api.dataQuality({ as_of: '2026-01-01' })).params).toEqual({ as_of: '2026-01-01' });
    expect((await api.threads({ user: 'quinn' })).items.params).toEqual({ user: 'quinn' });
    expect((await api.thread(3)).url).toBe('/api/threads/3');
    expect((await api.messagesAfter(3, 10)).items.params).toEqual({ after: 10, page_size: 100 });
    expect((await api.postMessage(3, { message: 'hi' })).data).toEqual({ message: 'hi' });
    expect((await api.markRead(3, { last_read_message_id: 9 })).method).toBe('put');
    expect((await api.createThread({ users: ['a', 'b'] })).url).toBe('/api/threads');
  });

  it('makes 32-hex idempotency keys', () => {
    const a = randomKey();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(randomKey()).not.toBe(a);
  });

  it('keeps the token in memory when local storage is unavailable', () => {
    const spy = jest.spyOn(window, 'localStorage', 'get').mockImplementation(() => {
      throw new Error('denied');
    });
    setToken('t1');
    expect(getToken()).toBe('t1');
    spy.mockRestore();
  });

  it('uses the instance every page uses', () => {
    expect(http.defaults.headers.Accept).toBe('application/json');
  });
});
