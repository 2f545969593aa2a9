/**
 * `--metrics HOST:PORT`: a running node's metrics over HTTP in the Prometheus text exposition
 * format, at `/metrics` (and `/`), for Prometheus, curl, or `p2p status`. Loopback unless told
 * otherwise; nothing else is served.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE, renderPrometheus, type MetricsSnapshot } from '@p2p/base';
import { addrText } from './format';

export interface MetricsServer {
  /** The bound address (with the real port when 0 was asked for). */
  readonly address: readonly [string, number];
  readonly url: string;
  close(): Promise<void>;
}

/** What is scraped: the socket's snapshot, plus `p2p_node_info` with `info` as labels. */
export async function serveMetrics(
  source: { metrics(): MetricsSnapshot },
  [host, port]: readonly [string, number],
  info: Readonly<Record<string, string>>,
): Promise<MetricsServer> {
  const extra = new MetricsRegistry();
  const names = Object.keys(info);
  extra.gauge('p2p_node_info', 'This node: id, kind, subnet, encryption (always 1)', names).series(...names.map((n) => info[n]!)).set(1);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    const body = renderPrometheus(source.metrics()) + renderPrometheus(extra.snapshot());
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await listen(server, host, port);
  const bound = server.address() as AddressInfo;
  const address: [string, number] = [bound.address, bound.port];
  return {
    address,
    url: `http://${addrText(address)}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
