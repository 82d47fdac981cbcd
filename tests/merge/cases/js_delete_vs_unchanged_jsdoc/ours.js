const DEFAULT_TIMEOUT = 5000;

/**
 * Fetch a URL with a timeout.
 * @param {string} url
 */
export async function fetchWithTimeout(url, ms = DEFAULT_TIMEOUT) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), ms);
  try {
    return await fetch(url, { signal: ctrl.signal });
  } finally {
    clearTimeout(timer);
  }
}

export function getJson(url) {
  return fetchWithTimeout(url).then((r) => r.json());
}
