export interface BrowserBundle {
  /** The minified ESM bundle. */
  code: Uint8Array;
  /** Every import of a Node built-in (or a same-named polyfill) and the file it came from. */
  builtins: { module: string; importer: string }[];
  warnings: string[];
  /** The bundled files, relative to `root`. */
  inputs: string[];
  /** Minified size. */
  bytes: number;
  /** Minified, then gzipped (level 9). */
  gzipBytes: number;
}

/** Bundles `contents` (an ESM entry) with esbuild for `platform: 'browser'`; rejects if esbuild fails. */
export function bundleBrowser(options: {
  contents: string;
  resolveDir: string;
  /** esbuild `conditions`; the default `['@p2p/source']` bundles the workspace's sources. @default ['@p2p/source'] */
  conditions?: string[];
  root?: string;
}): Promise<BrowserBundle>;
