/** The key-value prompt commands (`set`, `del`, `keys`) that `p2p sync` and `p2p chord` share. */
import { UsageError } from './errors';
import { formatKey } from './format';
import type { ReplCommand } from './repl';

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

/** The store operations the shared commands call (a SyncSocket or a ChordSocket). */
export interface KeyValueStore {
  set(key: string, value: string): unknown;
  delete(key: string): unknown;
  keys(): Iterable<Uint8Array>;
}

/** Help texts: where the commands act ("on every node", "in the network"). */
export interface KeyValueHelp {
  set: string;
  del: string;
  keys: string;
}

/**
 * A `get` command followed by `set`, `del` and `keys` over `store`; `local` marks writes made here
 * so their events are not echoed.
 */
export function keyValueCommands(
  store: KeyValueStore,
  print: (line: string) => void,
  local: { writing: boolean },
  get: ReplCommand,
  help: KeyValueHelp,
): ReplCommand[] {
  const write = (fn: () => void): void => {
    local.writing = true;
    try {
      fn();
    } finally {
      local.writing = false;
    }
  };
  return [
    get,
    {
      name: 'set',
      usage: 'set <key> <value>',
      help: help.set,
      run: (args) => {
        const [key, value] = splitKeyValue(args, 'usage: set <key> <value>');
        write(() => store.set(key, value));
        print('ok');
      },
    },
    {
      name: 'del',
      aliases: ['delete'],
      usage: 'del <key>',
      help: help.del,
      run: (args) => {
        const key = oneKey(args, 'usage: del <key>');
        write(() => store.delete(key));
        print('ok');
      },
    },
    {
      name: 'keys',
      usage: 'keys',
      help: help.keys,
      run: () => {
        const keys = [...store.keys()].map(formatKey);
        if (keys.length === 0) print('(no keys)');
        for (const key of keys) print(key);
      },
    },
  ];
}
