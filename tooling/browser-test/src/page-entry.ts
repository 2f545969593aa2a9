// What a test page loads: @p2p for the browser (the `browser` export conditions), with the
// WebSocket transports registered, put on `globalThis.p2p` for page.evaluate().
import '@p2p/ws';
import { MainFlags, Protocol, SubFlags } from '@p2p/base';
import { ChordSocket } from '@p2p/chord';
import { MeshSocket } from '@p2p/mesh';
import { SyncSocket } from '@p2p/sync';

const api = { MainFlags, Protocol, SubFlags, ChordSocket, MeshSocket, SyncSocket, nodes: {} as Record<string, unknown> };
(globalThis as unknown as { p2p: typeof api }).p2p = api;

export type PageApi = typeof api;
