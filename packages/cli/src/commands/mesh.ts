/** `p2p mesh`: a mesh node; a typed line is broadcast, received messages are printed. */
import { MeshSocket } from '@p2p/mesh';
import { UsageError } from '../errors';
import type { CliIo } from '../io';
import type { NodeCommandOptions } from '../options';
import { runNode, type NodeKind } from '../node-session';

export const meshKind: NodeKind<MeshSocket> = {
  name: 'mesh',
  defaultSubnet: MeshSocket.defaultProtocol.subnet,
  listen: (options) => MeshSocket.listen(options),
  commands: (socket) => [
    {
      name: 'send',
      usage: 'send <text>',
      help: 'broadcast text (also for text that starts with a command word)',
      run: (args) => {
        if (args.length === 0) throw new UsageError('usage: send <text>');
        socket.send([args]);
      },
    },
  ],
  fallback: (socket, line) => socket.send([line]),
};

export function meshCommand(options: NodeCommandOptions, io: CliIo): Promise<number> {
  return runNode(meshKind, options, io);
}
