import { TOKEN_KEY, getToken, setToken } from '../../src/api/client';
import { canWrite, expireSession, isSignedIn, loadMe, session, signIn, signOut, tokenUser } from '../../src/api/session';
import { errorBody, flush, mockApi } from '../support/helpers';

describe('the session', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
  });
  afterEach(() => mock.restore());

  it('keeps a token only when GET /api/me accepts it', async () => {
    mock.onGet('/api/me').reply((config) =>
      config.headers.Authorization === 'Bearer dev-quinn-token'
        ? [200, { kind: 'user', username: 'quinn', can_write: true }]
        : [401, errorBody(401, 'Invalid token.')],
    );
    await expect(signIn('  wrong  ')).rejects.toMatchObject({ status: 401 });
    expect(getToken()).toBeNull();
    expect(session.me).toBeNull();

    const me = await signIn(' dev-quinn-token ');
    expect(me.username).toBe('quinn');
    expect(window.localStorage.getItem(TOKEN_KEY)).toBe('dev-quinn-token');
    expect(tokenUser()).toBe('quinn');
    expect(canWrite()).toBe(true);
    expect(isSignedIn()).toBe(true);

    signOut();
    expect(getToken()).toBeNull();
    expect(session.me).toBeNull();
    expect(canWrite()).toBe(false);
  });

  it('keeps the previous token when the API cannot be reached to check a new one', async () => {
    setToken('old-token');
    mock.onGet('/api/me').networkError();
    await expect(signIn('new-token')).rejects.toMatchObject({ kind: 'network' });
    expect(getToken()).toBe('old-token');
    expect(session.error.kind).toBe('network');
  });

  it('shares one request between concurrent callers and caches the answer', async () => {
    mock.onGet('/api/me').reply(200, { kind: 'read', username: null, can_write: false });
    const [a, b] = await Promise.all([loadMe(), loadMe()]);
    expect(a).toBe(b);
    await loadMe();
    expect(mock.history.get).toHaveLength(1);
    expect(canWrite()).toBe(false);
    expect(tokenUser()).toBeNull();
  });

  it('forgets an invalid stored token on 401 and on expiry', async () => {
    setToken('stale');
    session.token = 'stale';
    mock.onGet('/api/me').reply(401, errorBody(401, 'Invalid token.'));
    await expect(loadMe()).rejects.toMatchObject({ status: 401 });
    expect(getToken()).toBeNull();
    setToken('again');
    session.me = { kind: 'service', can_write: true };
    expireSession();
    expect(getToken()).toBeNull();
    expect(session.me).toBeNull();
  });

  it('asks again who we are once the API is back', async () => {
    jest.useFakeTimers();
    mock.onGet('/api/me').networkErrorOnce();
    mock.onGet('/ready').reply(200, { status: 'ready' });
    mock.onGet('/api/me').reply(200, { kind: 'anonymous', username: null, can_write: true });
    await expect(loadMe()).rejects.toMatchObject({ kind: 'network' });
    await jest.advanceTimersByTimeAsync(2000);
    jest.useRealTimers();
    await flush();
    expect(session.me.kind).toBe('anonymous');
    expect(isSignedIn()).toBe(false);
  });
});
