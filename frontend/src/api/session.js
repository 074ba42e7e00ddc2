/**
 * Who is using the dashboard: the stored token and what `GET /api/me` says about it.
 *
 * `me` is `{kind, username, can_write}`; `kind` is service, read, user or anonymous (no token sent
 * while reads are open). Pages hide their write buttons unless `canWrite()`.
 */
import Vue from 'vue';
import { api, clearToken, getToken, onApiRecovered, setToken } from './client';

export const session = Vue.observable({
  token: getToken(),
  me: null,
  /** The last failure of GET /api/me that was not a 401 (the API is down, for instance). */
  error: null,
  loading: false,
});

let pending = null;

/** GET /api/me once (concurrent callers share the request); throws the ApiError. */
export function loadMe({ force = false } = {}) {
  if (session.me && !force) return Promise.resolve(session.me);
  if (pending) return pending;
  session.loading = true;
  pending = api
    .me()
    .then((me) => {
      session.me = me;
      session.error = null;
      return me;
    })
    .catch((error) => {
      session.me = null;
      if (error.status === 401) forgetToken();
      else session.error = error;
      throw error;
    })
    .finally(() => {
      pending = null;
      session.loading = false;
    });
  return pending;
}

/** Try a token: it is kept only when the API accepts it. */
export async function signIn(token) {
  const previous = getToken();
  setToken(token.trim());
  session.token = getToken();
  try {
    return await loadMe({ force: true });
  } catch (error) {
    if (previous) setToken(previous);
    else clearToken();
    session.token = getToken();
    throw error;
  }
}

function forgetToken() {
  clearToken();
  session.token = null;
}

export function signOut() {
  forgetToken();
  session.me = null;
  session.error = null;
}

/** A 401 anywhere: the token is gone or no longer valid. */
export function expireSession() {
  forgetToken();
  session.me = null;
}

export function canWrite() {
  return Boolean(session.me && session.me.can_write);
}

/** The username a user token acts as (null for service, read and anonymous callers). */
export function tokenUser() {
  return session.me && session.me.kind === 'user' ? session.me.username : null;
}

export function isSignedIn() {
  return Boolean(session.me && session.me.kind !== 'anonymous');
}

// After an outage, learn who we are again if that failed meanwhile.
onApiRecovered(() => {
  if (!session.me && session.error) loadMe().catch(() => {});
});
