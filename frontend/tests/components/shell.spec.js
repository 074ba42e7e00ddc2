import App from '../../src/App.vue';
import AppNavbar from '../../src/components/AppNavbar.vue';
import ApiStatusBanner from '../../src/components/ApiStatusBanner.vue';
import ErrorAlert from '../../src/components/ErrorAlert.vue';
import FlagBadge from '../../src/components/FlagBadge.vue';
import { mount } from '@vue/test-utils';
import { ApiError, apiStatus, getToken, setToken } from '../../src/api/client';
import { QUINN, READER, SERVICE, byTestId, flush, mountAt, setMe } from '../support/helpers';

describe('the navigation bar', () => {
  it('links every page and shows who you are', async () => {
    setMe(QUINN);
    const { wrapper } = await mountAt(AppNavbar, '/countries');
    const labels = wrapper.findAll('.navbar-nav .nav-link').wrappers.map((w) => w.text());
    expect(labels).toEqual(['Countries', 'Customers', 'Opportunities', 'Revenue', 'Threads']);
    expect(byTestId(wrapper, 'nav-countries').classes()).toContain('active');
    expect(byTestId(wrapper, 'nav-identity').text()).toContain('quinn');
    expect(byTestId(wrapper, 'nav-identity').text()).toContain('(user token)');
    expect(byTestId(wrapper, 'nav-read-only').exists()).toBe(false);
  });

  it('says when the token is read-only or a service token', async () => {
    setMe(READER);
    const { wrapper } = await mountAt(AppNavbar, '/');
    expect(byTestId(wrapper, 'nav-identity').text()).toContain('read-only token');
    expect(byTestId(wrapper, 'nav-read-only').exists()).toBe(true);
    setMe(SERVICE);
    await flush();
    expect(byTestId(wrapper, 'nav-identity').text()).toContain('service token');
  });

  it('offers sign-in when nobody is signed in', async () => {
    setMe({ kind: 'anonymous', username: null, can_write: true });
    const { wrapper } = await mountAt(AppNavbar, '/');
    expect(byTestId(wrapper, 'nav-identity').text()).toContain('not signed in');
    expect(byTestId(wrapper, 'nav-sign-in').exists()).toBe(true);
    expect(byTestId(wrapper, 'sign-out').exists()).toBe(false);
    setMe(null);
    await flush();
    expect(byTestId(wrapper, 'nav-identity').exists()).toBe(false);
  });

  it('signs out: forgets the token and goes to sign-in', async () => {
    setToken('dev-service-token');
    setMe(SERVICE);
    const { wrapper, router } = await mountAt(AppNavbar, '/customers');
    await byTestId(wrapper, 'sign-out').trigger('click');
    await flush();
    expect(getToken()).toBeNull();
    expect(router.currentRoute.name).toBe('sign-in');
    expect(byTestId(wrapper, 'nav-sign-in').exists()).toBe(true);
  });

  it('opens and closes the menu on small screens, closing it on navigation', async () => {
    const { wrapper, router } = await mountAt(AppNavbar, '/');
    const toggler = wrapper.find('.navbar-toggler');
    await toggler.trigger('click');
    expect(toggler.attributes('aria-expanded')).toBe('true');
    expect(wrapper.find('#main-nav').classes()).toContain('show');
    await router.push('/revenue');
    await flush();
    expect(toggler.attributes('aria-expanded')).toBe('false');
  });
});

describe('the outage banner', () => {
  it('appears while the API is down and disappears when it is back', async () => {
    const wrapper = mount(ApiStatusBanner);
    expect(byTestId(wrapper, 'api-down-banner').exists()).toBe(false);
    apiStatus.down = true;
    apiStatus.message = 'The API cannot be reached.';
    apiStatus.nextProbeSeconds = 4;
    await flush();
    const banner = byTestId(wrapper, 'api-down-banner');
    expect(banner.attributes('role')).toBe('status');
    expect(banner.text()).toContain('The API cannot be reached.');
    expect(banner.text()).toContain('Checking again in 4 s');
    apiStatus.down = false;
    await flush();
    expect(byTestId(wrapper, 'api-down-banner').exists()).toBe(false);
  });
});

describe('the error alert', () => {
  it('shows the API message and status, with a retry button when asked', async () => {
    const retry = jest.fn();
    const error = new ApiError('Customer 9 does not exist.', { status: 404 });
    const wrapper = mount(ErrorAlert, { propsData: { error, title: 'Could not load' }, listeners: { retry } });
    expect(byTestId(wrapper, 'error-message').text()).toBe('Customer 9 does not exist.');
    expect(wrapper.text()).toContain('Could not load');
    expect(wrapper.text()).toContain('(HTTP 404)');
    expect(wrapper.find('[role="alert"]').exists()).toBe(true);
    await byTestId(wrapper, 'error-retry').trigger('click');
    expect(retry).toHaveBeenCalled();
  });

  it('explains a 403 and an outage, and shows nothing for a canceled request', async () => {
    const wrapper = mount(ErrorAlert, { propsData: { error: new ApiError('Read-only token.', { status: 403 }) } });
    expect(wrapper.text()).toContain('Your token may be read-only');
    expect(byTestId(wrapper, 'error-retry').exists()).toBe(false);
    await wrapper.setProps({ error: new ApiError('The API cannot be reached.', { kind: 'network' }) });
    expect(wrapper.text()).toContain('retries by itself');
    await wrapper.setProps({ error: new ApiError('canceled', { kind: 'canceled' }) });
    expect(byTestId(wrapper, 'error-alert').exists()).toBe(false);
  });
});

describe('the flag badge', () => {
  it('says Yes or No in words', () => {
    expect(mount(FlagBadge, { propsData: { value: true } }).text()).toBe('Yes');
    const no = mount(FlagBadge, { propsData: { value: false, label: 'Support contract' } });
    expect(no.text()).toBe('No');
    expect(no.attributes('title')).toBe('Support contract');
  });
});

describe('the app shell', () => {
  it('has a skip link, the navbar, the banner and moves focus to the page on navigation', async () => {
    const { wrapper, router } = await mountAt(App, '/', { attachTo: document.body });
    expect(wrapper.find('a.skip-link').attributes('href')).toBe('#main-content');
    expect(wrapper.find('nav[aria-label="Main"]').exists()).toBe(true);
    await router.push('/countries');
    await flush();
    expect(document.activeElement).toBe(byTestId(wrapper, 'main').element);
    const focused = document.activeElement;
    await router.push('/countries?country=UK');
    await flush();
    expect(document.activeElement).toBe(focused);
    wrapper.destroy();
  });
});
