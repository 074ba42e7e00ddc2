/**
 * Routes, each page its own lazily loaded chunk; history mode so URLs (with their filters in the
 * query string) are bookmarkable. A route needs to know who the caller is (GET /api/me): without a
 * valid token where reads need one, the guard sends the user to sign-in, keeping where they were.
 */
import Vue from 'vue';
import VueRouter from 'vue-router';
import { setUnauthorizedHandler } from './api/client';
import { expireSession, loadMe, session } from './api/session';

Vue.use(VueRouter);

const SignInPage = () => import('./pages/SignInPage.vue');
const CountriesPage = () => import('./pages/CountriesPage.vue');
const CustomersPage = () => import('./pages/CustomersPage.vue');
const CustomerPage = () => import('./pages/CustomerPage.vue');
const OpportunitiesPage = () => import('./pages/OpportunitiesPage.vue');
const OpportunityNewPage = () => import('./pages/OpportunityNewPage.vue');
const OpportunityEditPage = () => import('./pages/OpportunityEditPage.vue');
const RevenuePage = () => import('./pages/RevenuePage.vue');
const ThreadsPage = () => import('./pages/ThreadsPage.vue');
const NotFoundPage = () => import('./pages/NotFoundPage.vue');

export const routes = [
  { path: '/', redirect: '/customers' },
  { path: '/sign-in', name: 'sign-in', component: SignInPage, meta: { public: true, title: 'Sign in' } },
  { path: '/countries', name: 'countries', component: CountriesPage, meta: { title: 'Countries' } },
  { path: '/customers', name: 'customers', component: CustomersPage, meta: { title: 'Customers' } },
  { path: '/customers/:cid(\\d+)', name: 'customer', component: CustomerPage, props: true, meta: { title: 'Customer' } },
  { path: '/opportunities', name: 'opportunities', component: OpportunitiesPage, meta: { title: 'Opportunities' } },
  {
    path: '/opportunities/new',
    name: 'opportunity-new',
    component: OpportunityNewPage,
    meta: { title: 'New opportunity' },
  },
  {
    path: '/opportunities/:oid',
    name: 'opportunity',
    component: OpportunityEditPage,
    props: true,
    meta: { title: 'Opportunity' },
  },
  { path: '/revenue', name: 'revenue', component: RevenuePage, meta: { title: 'Revenue' } },
  { path: '/inbox', name: 'threads', component: ThreadsPage, meta: { title: 'Threads' } },
  { path: '*', name: 'not-found', component: NotFoundPage, meta: { public: true, title: 'Not found' } },
];

export async function requireIdentity(to) {
  if (to.meta.public) return true;
  try {
    await loadMe();
    return true;
  } catch (error) {
    if (error.status === 401) return { name: 'sign-in', query: { redirect: to.fullPath } };
    return true; // the API is down: let the page show its error; the banner says it is retrying
  }
}

const CHUNK_ERROR = /dynamically imported module|Importing a module script failed|Loading chunk|error loading dynamically/i;

/** A page's chunk failed to load (a new release replaced it, or the network dropped): load the page afresh. */
export function reloadOnChunkError(error, target, location = window.location) {
  if (!CHUNK_ERROR.test(String(error && error.message))) return false;
  location.assign(target || location.href);
  return true;
}

export function createRouter() {
  const router = new VueRouter({ mode: 'history', base: '/', routes, linkActiveClass: 'active' });
  let target = null;
  router.beforeEach((to, from, next) => {
    target = to.fullPath;
    requireIdentity(to).then((result) => (result === true ? next() : next(result)));
  });
  router.onError((error) => reloadOnChunkError(error, target));
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · IntraSoft` : 'IntraSoft';
  });
  setUnauthorizedHandler(() => {
    expireSession();
    const current = router.currentRoute;
    if (current.name === 'sign-in') return;
    router.push({ name: 'sign-in', query: { redirect: current.fullPath, expired: '1' } }).catch(() => {});
  });
  return router;
}

export { session };
