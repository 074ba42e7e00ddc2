import Vue from 'vue';
import { session } from '../../src/api/session';

Vue.config.devtools = false;
Vue.config.productionTip = false;
// A Vue warning (a missing prop, a render error) fails the test that caused it.
Vue.config.warnHandler = (message, vm, trace) => {
  throw new Error(`[Vue warn]: ${message}${trace}`);
};
import { resetApiStatus } from '../../src/api/client';

// Every test starts signed out, online, with an empty local storage.
beforeEach(() => {
  window.localStorage.clear();
  session.token = null;
  session.me = null;
  session.error = null;
  resetApiStatus();
});

// jsdom has no ResizeObserver; chart.js's responsive mode needs one (it never fires here).
if (!global.ResizeObserver) {
  global.ResizeObserver = class ResizeObserver {
    observe() {}

    unobserve() {}

    disconnect() {}
  };
}
