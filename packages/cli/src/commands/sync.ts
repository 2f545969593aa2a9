/** `p2p sync`: a node of a replicated dictionary; `get`, `set`, `del`, `keys` at the prompt. */
import { SyncSocket } from '@p2p/sync';
import { UsageError } from '../errors';
import { formatKey, formatValue, shortId } from '../format';
import type { CliIo } from '../io';
import type { NodeCommandOptions } from '../options';
import { runNode, type NodeKind } from '../node-session';
import type { ReplCommand } from '../repl';

export interface SyncCommandOptions extends NodeCommandOptions {
  leasing: boolean;
}

const MISSING = Symbol('missing');

/** `<key> <value...>`: the key is the first word, the value the rest of the line (text). */
export function splitKeyValue(args: string, usage: string): [string, string] {
  const match = /^(\S+)\s+(.+)$/s.exec(args);
  if (!match) throw new UsageError(usage);
  return [match[1]!, match[2]!];
}

export function oneKey(args: string, usage: string): string {
  if (!/^\S+$/.test(args)) throw new UsageError(usage);
  return args;
}

/** The dictionary commands; `local` marks writes made here so their events are not echoed. */
function syncCommands(socket: SyncSocket, print: (line: string) => void, local: { writing: boolean }): ReplCommand[] {
  const write = (fn: () => void): void => {
    local.writing = true;
    try {
      fn();
    } finally {
      local.writing = false;
    }
  };
  return [
    {
      name: 'get',
      usage: 'get <key>',
      help: 'print the value stored under key',
      run: (args) => {
        const value = socket.get(oneKey(args, 'usage: get <key>'), MISSING);
        print(value === MISSING ? '(not found)' : formatValue(value));
      },
    },
    {
      name: 'set',
      usage: 'set <key> <value>',
      help: 'store a text value on every node',
      run: (args) => {
        const [key, value] = splitKeyValue(args, 'usage: set <key> <value>');
        write(() => socket.set(key, value));
        print('ok');
      },
    },
    {
      name: 'del',
      aliases: ['delete'],
      usage: 'del <key>',
      help: 'delete key on every node',
      run: (args) => {
        const key = oneKey(args, 'usage: del <key>');
        write(() => socket.delete(key));
        print('ok');
      },
    },
    {
      name: 'keys',
      usage: 'keys',
      help: 'list the stored keys',
      run: () => {
        const keys = [...socket.keys()].map(formatKey);
        if (keys.length === 0) print('(no keys)');
        for (const key of keys) print(key);
      },
    },
  ];
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
