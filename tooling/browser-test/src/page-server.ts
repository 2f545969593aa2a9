/**
 * Serves a page whose script is an esbuild bundle of `entry`, built the way a web app's
 * bundler would (platform browser, from source), on 127.0.0.1 port 0. Every response closes
 * its connection, so no keep-alive socket outlives a page.
 */
import * as http from 'node:http';
import { dirname } from 'node:path';
import { bundleBrowser } from '@p2p/bundle-check';

export interface PageServer {
  readonly url: string;
  /** Bytes of the bundled script (minified). */
  readonly scriptBytes: number;
  close(): Promise<void>;
}

export interface PageServerOptions {
  /** The script's entry file. */
  entry: string;
  /** HTML body before the script tag. @default '' */
  body?: string;
  title?: string;
  /** Extra files by URL path, for example `{ '/style.css': { type: 'text/css', body } }`. */
  files?: Record<string, { type: string; body: string | Uint8Array }>;
}

/** Bundles `entry` for the browser (tooling/bundle-check); throws if it reaches a Node built-in. */
export async function bundlePage(entry: string): Promise<Uint8Array> {
  const bundle = await bundleBrowser({ contents: `import ${JSON.stringify(entry)};`, resolveDir: dirname(entry) });
  if (bundle.builtins.length > 0) {
    throw new Error(`${entry} reaches Node built-ins: ${bundle.builtins.map((b) => `${b.importer} -> ${b.module}`).join(', ')}`);
  }
  return bundle.code;
}

export async function servePage(options: PageServerOptions): Promise<PageServer> {
  const script = await bundlePage(options.entry);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${options.title ?? '@p2p'}</title></head><body>${options.body ?? ''}<script type="module" src="/page.js"></script></body></html>`;
  const files: Record<string, { type: string; body: string | Uint8Array }> = {
    '/': { type: 'text/html; charset=utf-8', body: html },
    '/page.js': { type: 'text/javascript; charset=utf-8', body: script },
    // Browsers ask for it; an empty icon keeps the console free of 404s.
    '/favicon.ico': { type: 'image/x-icon', body: new Uint8Array(0) },
    ...options.files,
  };
  const server = http.createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]!];
    res.shouldKeepAlive = false;
    if (!file) {
      res.writeHead(404, { Connection: 'close' }).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-store', Connection: 'close' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    scriptBytes: script.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
