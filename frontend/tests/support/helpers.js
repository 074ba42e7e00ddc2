/**
 * Test helpers: a real router (with the app's route names) and the real axios instance with its
 * adapter swapped for axios-mock-adapter, so requests, headers and errors go through the client.
 */
import { createLocalVue, mount } from '@vue/test-utils';
import VueRouter from 'vue-router';
import MockAdapter from 'axios-mock-adapter';
import { http, resetApiStatus, setUnauthorizedHandler } from '../../src/api/client';
import { session } from '../../src/api/session';

const Stub = { name: 'RouteStub', render: (h) => h('div') };
const ROUTE_NAMES = [
  ['/', 'home'],
  ['/sign-in', 'sign-in'],
  ['/countries', 'countries'],
  ['/customers', 'customers'],
  ['/customers/:cid', 'customer'],
  ['/opportunities', 'opportunities'],
  ['/opportunities/new', 'opportunity-new'],
  ['/opportunities/:oid', 'opportunity'],
  ['/revenue', 'revenue'],
  ['/inbox', 'threads'],
];

export function mockApi() {
  resetApiStatus();
  setUnauthorizedHandler(null);
  return new MockAdapter(http);
}

export function setMe(me) {
  session.me = me;
  session.error = null;
}

export const SERVICE = { kind: 'service', username: null, can_write: true };
export const READER = { kind: 'read', username: null, can_write: false };
export const QUINN = { kind: 'user', username: 'quinn', can_write: true };

/** Mount `component` at `path` (a URL with its query) inside a real router. */
export async function mountAt(component, path = '/', { propsData, routes, attachTo } = {}) {
  const localVue = createLocalVue();
  localVue.use(VueRouter);
  const router = new VueRouter({
    mode: 'abstract',
    linkActiveClass: 'active',
    routes: routes || ROUTE_NAMES.map(([p, name]) => ({ path: p, name, component: Stub })),
  });
  await router.push(path);
  const wrapper = mount(component, { localVue, router, propsData, attachTo });
  await flush();
  return { wrapper, router };
}

/**
 * Let pending promises (mocked HTTP) and Vue re-renders settle. Microtasks only, so it works the
 * same under fake timers.
 */
export async function flush(times = 60) {
  for (let i = 0; i < times; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    await Promise.resolve();
  }
}

export const byTestId = (wrapper, id) => wrapper.find(`[data-testid="${id}"]`);
export const allByTestId = (wrapper, id) => wrapper.findAll(`[data-testid="${id}"]`);

export function errorBody(code, message, errors) {
  const body = { code, status: 'Error', message };
  if (errors) body.errors = errors;
  return body;
}
