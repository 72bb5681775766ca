// A single-page app: the server serves the built shell and every page runs in the browser.
export const ssr = false;
export const prerender = false;
