import { createRouter, reloadOnChunkError, requireIdentity, routes } from '../src/router';
import { session } from '../src/api/session';
import { api, setToken } from '../src/api/client';
import { errorBody, flush, mockApi } from './support/helpers';

describe('the router', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
    window.history.replaceState(null, '', '/');
  });
  afterEach(() => mock.restore());

  it('gives every page its own lazily loaded component', async () => {
    const lazy = routes.filter((r) => typeof r.component === 'function');
    expect(lazy.map((r) => r.name)).toEqual([
      'sign-in', 'countries', 'customers', 'customer', 'opportunities', 'opportunity-new', 'opportunity', 'revenue', 'threads', 'not-found',
    ]);
    const modules = await Promise.all(lazy.map((r) => r.component()));
    modules.forEach((m) => expect(m.default.name).toMatch(/Page$/));
  });

  it('lets a caller through when GET /api/me answers, and titles the page', async () => {
    mock.onGet('/api/me').reply(200, { kind: 'anonymous', username: null, can_write: true });
    const router = createRouter();
    await router.push('/countries?country=France');
    expect(router.currentRoute.name).toBe('countries');
    expect(document.title).toBe('Countries · IntraSoft');
    expect(session.me.kind).toBe('anonymous');
  });

  it('sends a caller without a valid token to sign-in, keeping where they were', async () => {
    mock.onGet('/api/me').reply(401, errorBody(401, 'A valid bearer token is required for this request.'));
    const router = createRouter();
    await router.push('/customers?area=France').catch(() => {});
    await flush();
    expect(router.currentRoute.name).toBe('sign-in');
    expect(router.currentRoute.query.redirect).toBe('/customers?area=France');
  });

  it('lets the page show the outage when the API is down', async () => {
    mock.onGet('/api/me').networkError();
    expect(await requireIdentity({ meta: {}, fullPath: '/revenue' })).toBe(true);
    expect(await requireIdentity({ meta: { public: true } })).toBe(true);
  });

  it('brings any 401 back to sign-in with the current page, and forgets the token', async () => {
    setToken('revoked');
    mock.onGet('/api/me').replyOnce(200, { kind: 'service', username: null, can_write: true });
    mock.onGet('/api/customers').reply(401, errorBody(401, 'Invalid token.'));
    const router = createRouter();
    await router.push('/customers?q=dup');
    await api.customers({}).catch(() => {});
    await flush();
    expect(router.currentRoute.name).toBe('sign-in');
    expect(router.currentRoute.query).toEqual({ redirect: '/customers?q=dup', expired: '1' });
    expect(window.localStorage.getItem('intrasoft.token')).toBeNull();
    // Already on sign-in: a second 401 stays there.
    await api.customers({}).catch(() => {});
    await flush();
    expect(router.currentRoute.query.redirect).toBe('/customers?q=dup');
  });

  it('reloads the target page when its chunk cannot be loaded, and ignores other errors', () => {
    const location = { assign: jest.fn(), href: '/now' };
    expect(reloadOnChunkError(new Error('Failed to fetch dynamically imported module: /assets/x.js'), '/revenue', location)).toBe(true);
    expect(location.assign).toHaveBeenCalledWith('/revenue');
    expect(reloadOnChunkError(new TypeError('Importing a module script failed.'), null, location)).toBe(true);
    expect(location.assign).toHaveBeenLastCalledWith('/now');
    expect(reloadOnChunkError(new Error('boom'), '/x', location)).toBe(false);
    expect(reloadOnChunkError(null, '/x', location)).toBe(false);
  });
});
