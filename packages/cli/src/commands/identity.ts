/**
 * `p2p identity [FILE]`: prints the node id of an identity file, creating the file (mode 0600)
 * when it does not exist. The id is the only line on stdout, so scripts can capture it.
 */
import { describeError } from '../errors';
import { openIdentity } from '../identity-file';
import { writeLine, type CliIo } from '../io';

export function identityCommand(path: string, io: CliIo): number {
  try {
    const { identity, created } = openIdentity(path);
    writeLine(io.stdout, identity.id);
    if (created) writeLine(io.stderr, `p2p: created identity file ${path} (mode 0600); keep it private, whoever holds it is this node`);
    return 0;
  } catch (err) {
    writeLine(io.stderr, `p2p: cannot use identity file ${path}: ${describeError(err)}`);
    return 1;
  }
}
