// The access-link token: read once from ?token=, kept in sessionStorage, removed from
// the address bar so it is not bookmarked, shared or sent as a Referer.
import { rememberLinkLang } from './i18n';

const TOKEN_KEY = 'zoomctl.token';

let captured = false;

/** Moves ?token= (and ?lang=) from the URL into sessionStorage. Safe to call more than once. */
export function captureLinkParams(): void {
  if (captured) return;
  captured = true;
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete('token');
  }
  rememberLinkLang(url.searchParams.get('lang'));
  if (token) {
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
}

export function accessToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
