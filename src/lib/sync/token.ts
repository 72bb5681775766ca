// The sign-in token lives in localStorage (one per browser profile). `?token=` on any page signs
// in and is removed from the address bar so it does not end up in history or screenshots.
const KEY = 'tandem.token';

export function readToken(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null; // storage disabled (private mode): the user signs in per page
  }
}

export function storeToken(token: string): void {
  localStorage.setItem(KEY, token);
}

export function clearToken(): void {
  localStorage.removeItem(KEY);
}

/** Takes `?token=` from the current URL into storage; returns the URL to replace it with, if any. */
export function adoptTokenFromUrl(href: string): string | null {
  const url = new URL(href);
  const t = url.searchParams.get('token');
  if (!t) return null;
  storeToken(t);
  url.searchParams.delete('token');
  return url.pathname + (url.search === '?' ? '' : url.search) + url.hash;
}

/** A share link that signs its holder in and opens `path`. */
export function shareLink(origin: string, path: string, token: string): string {
  return `${origin}${path}?token=${encodeURIComponent(token)}`;
}
