// A single-page app: the server serves the built shell and every page runs in the browser.
// `?token=` on any page signs in (kept in localStorage) and is removed from the address bar.
import { redirect } from '@sveltejs/kit';
import { adoptTokenFromUrl } from '$lib/sync/token';

export const ssr = false;
export const prerender = false;

export function load({ url }: { url: URL }) {
  const next = adoptTokenFromUrl(url.href);
  if (next !== null) redirect(307, next);
}
