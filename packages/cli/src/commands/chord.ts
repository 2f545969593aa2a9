/** `p2p chord`: a node of a distributed hash table; `get`, `set`, `del`, `keys` at the prompt. */
import { isP2PError } from '@p2p/base';
import { ChordSocket } from '@p2p/chord';
import { formatKey, formatValue } from '../format';
import type { CliIo } from '../io';
import type { NodeCommandOptions } from '../options';
import { keyValueCommands, oneKey } from '../kv-commands';
import { runNode, type NodeKind } from '../node-session';

/** Milliseconds a `get` at the prompt waits for three of the five replicas to agree. */
export const CHORD_GET_TIMEOUT_MS = 5_000;

export function chordKind(name = 'chord', defaultSubnet = ChordSocket.defaultProtocol.subnet): NodeKind<ChordSocket> {
  const local = { writing: false };
  return {
    name,
    defaultSubnet,
    listen: (options) => ChordSocket.listen(options),
    // A CLI node takes part in storing, as py2p's seeder does.
    started: (socket) => socket.join(),
    commands: (socket, print) =>
      keyValueCommands(
        socket,
        print,
        local,
        {
          name: 'get',
          usage: 'get <key>',
          help: `look key up in the network (waits up to ${CHORD_GET_TIMEOUT_MS / 1000} s)`,
          run: async (args) => {
            const key = oneKey(args, 'usage: get <key>');
            try {
              print(formatValue(await socket.get(key, undefined, { timeout: CHORD_GET_TIMEOUT_MS })));
            } catch (err) {
              if (isP2PError(err, 'TIMEOUT') || isP2PError(err, 'KEY_NOT_FOUND')) print('(not found)');
              else throw err;
            }
          },
        },
        {
          set: 'store a text value in the network',
          del: 'delete key from the network',
          keys: 'list the keys announced in the network',
        },
      ),
    watch: (socket, print) => {
      const offs = [
        socket.on('add', ({ key }) => {
          if (!local.writing) print(`* key ${formatKey(key)} added`);
        }),
        socket.on('delete', ({ key }) => {
          if (!local.writing) print(`* key ${formatKey(key)} deleted`);
        }),
      ];
      return () => offs.forEach((off) => off());
    },
    status: (socket) => [
      `storing   ${socket.isStoring ? 'yes' : 'no'} (${socket.storingPeers().length} storing peer${socket.storingPeers().length === 1 ? '' : 's'})`,
      `keys      ${[...socket.keys()].length} known, ${socket.storedEntries} replica entr${socket.storedEntries === 1 ? 'y' : 'ies'} held here`,
    ],
  };
}

export function chordCommand(options: NodeCommandOptions, io: CliIo): Promise<number> {
  return runNode(chordKind(), options, io);
}
