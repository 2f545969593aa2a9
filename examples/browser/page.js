// The page: a chat on a mesh network and a shared key-value list on a sync network, both
// dial-only browser nodes (`listen: []`) that connect over WebSocket to the Node nodes started
// by serve.mjs. Bundled for the browser by serve.mjs (esbuild); @p2p/ws uses the native WebSocket.
import '@p2p/ws';
import { Protocol } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { SyncSocket } from '@p2p/sync';

const config = globalThis.P2P_EXAMPLE;
const host = location.hostname;
const $ = (id) => document.getElementById(id);
const text = (bytes) => new TextDecoder().decode(bytes);
const show = (el, line) => {
  const li = document.createElement('li');
  li.textContent = line;
  el.append(li);
  li.scrollIntoView();
};

const me = `tab-${Math.random().toString(36).slice(2, 6)}`;
$('me').textContent = me;

const chat = await MeshSocket.listen({ protocol: new Protocol('mesh', 'ws'), listen: [] });
const kv = await SyncSocket.listen({ protocol: new Protocol('sync', 'ws'), listen: [] });
globalThis.example = { chat, kv, me };

chat.on('message', (m) => show($('messages'), m.packets.slice(1).map(String).join(' ')));
chat.on('peer:disconnect', () => ($('status').textContent = `chat: ${chat.peers.size} peer(s)`));
$('say').addEventListener('submit', (event) => {
  event.preventDefault();
  const line = $('line').value.trim();
  if (!line) return;
  chat.send([`${me}: ${line}`]);
  show($('messages'), `${me}: ${line}`);
  $('line').value = '';
});

function render() {
  const rows = [...kv.items()].map(([key, value]) => `${text(key)} = ${JSON.stringify(value)}`).sort();
  $('entries').replaceChildren(...rows.map((r) => Object.assign(document.createElement('li'), { textContent: r })));
}
kv.on('update', render);
kv.on('delete', render);
$('put').addEventListener('submit', (event) => {
  event.preventDefault();
  try {
    kv.set($('key').value, $('value').value);
    $('kv-error').textContent = '';
  } catch (err) {
    // LEASE_HELD: another node wrote this key less than an hour ago (sync's leases).
    $('kv-error').textContent = `${err.code}: ${err.message}`;
  }
  render();
});

await chat.connect(host, config.meshWsPort, { timeout: 5000 });
await kv.connect(host, config.syncWsPort, { timeout: 5000 });
$('status').textContent = `chat: ${chat.peers.size} peer(s), key-value list: ${kv.peers.size} peer(s)`;
render();
document.body.dataset.ready = 'true';
