/** Filters live in the URL's query string, so a page is bookmarkable with them. */

/** The query's values for `defaults`' keys, as strings, falling back to the defaults. */
export function readQuery(query, defaults) {
  const out = {};
  Object.keys(defaults).forEach((key) => {
    const value = query[key];
    const single = Array.isArray(value) ? value[0] : value;
    out[key] = single === undefined || single === null ? defaults[key] : String(single);
  });
  return out;
}

/** Navigate to the same route with `patch` merged into the query (empty values removed). */
export function updateQuery(router, route, patch, { replace = false } = {}) {
  const query = { ...route.query, ...patch };
  Object.keys(query).forEach((key) => {
    if (query[key] === '' || query[key] === null || query[key] === undefined) delete query[key];
    else query[key] = String(query[key]);
  });
  const same =
    Object.keys(query).length === Object.keys(route.query).length &&
    Object.keys(query).every((key) => query[key] === String(route.query[key]));
  if (same) return Promise.resolve(false);
  const method = replace ? 'replace' : 'push';
  return router[method]({ path: route.path, query }).then(
    () => true,
    () => false,
  );
}
