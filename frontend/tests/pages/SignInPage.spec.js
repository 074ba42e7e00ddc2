import SignInPage from '../../src/pages/SignInPage.vue';
import NotFoundPage from '../../src/pages/NotFoundPage.vue';
import { getToken } from '../../src/api/client';
import { byTestId, errorBody, flush, mockApi, mountAt, setMe } from '../support/helpers';

describe('the sign-in page', () => {
  let mock;
  beforeEach(() => {
    mock = mockApi();
  });
  afterEach(() => mock.restore());

  async function submit(wrapper, token) {
    await byTestId(wrapper, 'sign-in-token').setValue(token);
    await byTestId(wrapper, 'sign-in-form').trigger('submit');
    await flush();
  }

  it('signs in with a valid token and returns to the page the user was on', async () => {
    mock.onGet('/api/me').reply((config) =>
      config.headers.Authorization === 'Bearer dev-jeff-token'
        ? [200, { kind: 'user', username: 'jeff_goldblum', can_write: true }]
        : [401, errorBody(401, 'Invalid token.')],
    );
    const { wrapper, router } = await mountAt(SignInPage, '/sign-in?redirect=%2Fcustomers%3Farea%3DUK&expired=1');
    expect(byTestId(wrapper, 'sign-in-expired').exists()).toBe(true);
    expect(wrapper.find('label[for="sign-in-token"]').text()).toBe('API token');
    await submit(wrapper, 'dev-jeff-token');
    expect(getToken()).toBe('dev-jeff-token');
    expect(router.currentRoute.fullPath).toBe('/customers?area=UK');
  });

  it('says when a token is not valid and keeps nothing', async () => {
    mock.onGet('/api/me').reply(401, errorBody(401, 'Invalid token.'));
    const { wrapper, router } = await mountAt(SignInPage, '/sign-in');
    await submit(wrapper, 'nope');
    expect(byTestId(wrapper, 'error-message').text()).toBe('This token is not valid.');
    expect(byTestId(wrapper, 'sign-in-token').classes()).toContain('is-invalid');
    expect(getToken()).toBeNull();
    expect(router.currentRoute.name).toBe('sign-in');
  });

  it('asks for a token before calling the API', async () => {
    mock.onGet('/api/me').reply(401, errorBody(401, 'A valid bearer token is required for this request.'));
    const { wrapper } = await mountAt(SignInPage, '/sign-in');
    expect(mock.history.get).toHaveLength(1); // who am I, on arrival
    await submit(wrapper, '   ');
    expect(byTestId(wrapper, 'error-message').text()).toBe('Enter your token.');
    expect(mock.history.get).toHaveLength(1);
  });

  it('shows an outage as an error, and never redirects outside the app', async () => {
    mock.onGet('/api/me').networkError();
    const { wrapper, router } = await mountAt(SignInPage, '/sign-in?redirect=%2F%2Fevil.example');
    await submit(wrapper, 'dev-service-token');
    expect(byTestId(wrapper, 'error-message').text()).toBe('The API cannot be reached.');
    mock.onGet('/api/me').reply(200, { kind: 'service', username: null, can_write: true });
    await submit(wrapper, 'dev-service-token');
    expect(router.currentRoute.path).toBe('/');
  });

  it('shows who is signed in, and lets an anonymous reader go on without a token', async () => {
    setMe({ kind: 'service', username: null, can_write: true });
    const { wrapper } = await mountAt(SignInPage, '/sign-in');
    expect(byTestId(wrapper, 'sign-in-current').text()).toContain('service token');
    expect(byTestId(wrapper, 'sign-in-skip').exists()).toBe(false);
    setMe(null);
    mock.onGet('/api/me').reply(200, { kind: 'anonymous', username: null, can_write: false });
    const again = await mountAt(SignInPage, '/sign-in?redirect=%2Frevenue');
    expect(byTestId(again.wrapper, 'sign-in-skip').attributes('href')).toBe('/revenue');
    expect(byTestId(again.wrapper, 'sign-in-current').exists()).toBe(false);
  });

  it('the not-found page names the missing address', async () => {
    const { wrapper } = await mountAt(NotFoundPage, '/nowhere');
    expect(byTestId(wrapper, 'not-found').text()).toContain('/nowhere');
  });
});
