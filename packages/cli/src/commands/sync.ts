/** `p2p sync`: a node of a replicated dictionary; `get`, `set`, `del`, `keys` at the prompt. */
import { SyncSocket } from '@p2p/sync';
import { formatKey, formatValue, shortId } from '../format';
import type { CliIo } from '../io';
import { keyValueCommands, oneKey } from '../kv-commands';
import type { NodeCommandOptions } from '../options';
import { runNode, type NodeKind } from '../node-session';
import type { ReplCommand } from '../repl';

export interface SyncCommandOptions extends NodeCommandOptions {
  leasing: boolean;
}

const MISSING = Symbol('missing');

/** The dictionary commands; `local` marks writes made here so their events are not echoed. */
function syncCommands(socket: SyncSocket, print: (line: string) => void, local: { writing: boolean }): ReplCommand[] {
  const get: ReplCommand = {
    name: 'get',
    usage: 'get <key>',
    help: 'print the value stored under key',
    run: (args) => {
      const value = socket.get(oneKey(args, 'usage: get <key>'), MISSING);
      print(value === MISSING ? '(not found)' : formatValue(value));
    },
  };
  return keyValueCommands(socket, print, local, get, {
    set: 'store a text value on every node',
    del: 'delete key on every node',
    keys: 'list the stored keys',
  });
}

export const syncKind = (leasing: boolean): NodeKind<SyncSocket> => {
  const local = { writing: false };
  return {
    name: 'sync',
    defaultSubnet: SyncSocket.defaultProtocol.subnet,
    listen: (options) => SyncSocket.listen({ ...options, leasing }),
    commands: (socket, print) => syncCommands(socket, print, local),
    watch: (socket, print) => {
      const offs = [
        socket.on('update', ({ key, value, meta }) => {
          if (!local.writing) print(`* ${formatKey(key)} = ${formatValue(value)} (set by ${shortId(meta.owner)})`);
        }),
        socket.on('delete', ({ key }) => {
          if (!local.writing) print(`* ${formatKey(key)} deleted`);
        }),
      ];
      return () => offs.forEach((off) => off());
    },
    status: (socket) => [`keys      ${socket.size}`, `leasing   ${socket.leasing ? 'on (1 hour)' : 'off'}`],
  };
};

export function syncCommand(options: SyncCommandOptions, io: CliIo): Promise<number> {
  return runNode(syncKind(options.leasing), options, io);
}
