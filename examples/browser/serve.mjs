#!/usr/bin/env node
// One command for the browser example: a Node mesh node and a Node sync node, each listening
// on TCP and WebSocket, and an HTTP server for the page (bundled here with esbuild).
//
//   node examples/browser/serve.mjs [--http-port 8000] [--mesh-port 4444] [--sync-port 5555]
//
// Open the page in two tabs; TCP peers join the same networks, for example a terminal node:
//   p2p mesh --connect 127.0.0.1:4444     (type a line: both tabs show it)
//   p2p sync --connect 127.0.0.1:5555     (set k v: both tabs list it)
// WebSocket listens on the TCP port + 1 (4445, 5556). Ctrl-C stops everything.
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import '@p2p/ws';
import { Protocol } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { SyncSocket } from '@p2p/sync';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Bundles page.js for the browser (esbuild, the `browser` conditions, no Node built-ins). */
export async function bundlePage() {
  const result = await build({
    entryPoints: [`${here}page.js`],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    // Straight from source inside this repository; a published app resolves the dist builds.
    conditions: ['@p2p/source'],
  });
  return result.outputFiles[0].contents;
}

/**
 * Starts the two Node nodes (TCP on `meshPort`/`syncPort`, WebSocket on the next port, or
 * any free ports with 0) and the page server. Resolves with their addresses and `close()`.
 */
export async function startExample({ host = '127.0.0.1', httpPort = 8000, meshPort = 4444, syncPort = 5555 } = {}) {
  const next = (port) => (port === 0 ? 0 : port + 1);
  // Each node's own encryption is 'ws' (as the pages); TCP peers see the Plaintext protocol id.
  const mesh = await MeshSocket.listen({ protocol: new Protocol('mesh', 'ws'), listen: [{ host, port: next(meshPort) }, { encryption: 'Plaintext', host, port: meshPort }] });
  const sync = await SyncSocket.listen({ protocol: new Protocol('sync', 'ws'), listen: [{ host, port: next(syncPort) }, { encryption: 'Plaintext', host, port: syncPort }] }).catch(async (err) => {
    await mesh.close();
    throw err;
  });
  const port = (node, encryption) => node.addresses.find((a) => a.encryption === encryption).port;
  const config = { meshWsPort: port(mesh, 'ws'), syncWsPort: port(sync, 'ws') };
  const html = (await readFile(`${here}index.html`, 'utf8')).replace('__CONFIG__', JSON.stringify(config));
  const script = await bundlePage();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const file = path === '/' ? ['text/html; charset=utf-8', html] : path === '/page.js' ? ['text/javascript; charset=utf-8', script] : undefined;
    if (!file) return void res.writeHead(path === '/favicon.ico' ? 204 : 404, { Connection: 'close' }).end();
    res.writeHead(200, { 'Content-Type': file[0], 'Cache-Control': 'no-store', Connection: 'close' }).end(file[1]);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(httpPort, host, resolve);
  }).catch(async (err) => {
    await Promise.all([mesh.close(), sync.close()]);
    throw err;
  });
  return {
    mesh,
    sync,
    url: `http://${host}:${server.address().port}/`,
    meshTcpPort: port(mesh, 'Plaintext'),
    syncTcpPort: port(sync, 'Plaintext'),
    ...config,
    async close() {
      server.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), mesh.close(), sync.close()]);
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { 'http-port': { type: 'string', default: '8000' }, 'mesh-port': { type: 'string', default: '4444' }, 'sync-port': { type: 'string', default: '5555' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const example = await startExample({ host: values.host, httpPort: Number(values['http-port']), meshPort: Number(values['mesh-port']), syncPort: Number(values['sync-port']) });
  example.mesh.on('message', (m) => console.log(`chat: ${m.packets.slice(1).join(' ')}`));
  example.sync.on('update', ({ key, value }) => console.log(`kv: ${new TextDecoder().decode(key)} = ${JSON.stringify(value)}`));
  console.log(`open ${example.url} in two tabs`);
  console.log(`terminal peers: p2p mesh --connect ${values.host}:${example.meshTcpPort}   p2p sync --connect ${values.host}:${example.syncTcpPort}`);
  const stop = async () => {
    await example.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
