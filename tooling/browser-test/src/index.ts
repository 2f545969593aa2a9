/** Helpers of the real-browser tests (private). */
export { launchBrowser, processesOf, CHROMIUM, CHROMIUM_ARGS, type Browser } from './browser';
export { servePage, bundlePage, type PageServer, type PageServerOptions } from './page-server';
export type { PageApi } from './page-entry';
