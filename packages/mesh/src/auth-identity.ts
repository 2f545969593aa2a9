/**
 * Which identity a socket runs with: in an authenticated subnet (`protocol.auth`) the node id is
 * the identity's id, generated when none is given; elsewhere there is none, and giving one is
 * a mistake worth an error rather than a silently ignored option.
 */
import { Identity, InvalidArgumentError, type Protocol } from '@p2p/base';

/**
 * The identity of a socket joining `protocol`.
 * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for an identity on a non-authenticated protocol, or a value that is not an Identity
 */
export function resolveIdentity(identity: Identity | undefined, protocol: Protocol): Identity | undefined {
  if (identity !== undefined && !(identity instanceof Identity)) {
    throw new InvalidArgumentError('options.identity must be an Identity (Identity.generate(), Identity.loadOrCreate(path))');
  }
  if (!protocol.auth) {
    if (identity !== undefined) {
      throw new InvalidArgumentError(`options.identity is only for authenticated subnets (new Protocol(subnet, encryption, { auth: true })); ${protocol.subnet} is not one`, {
        details: { subnet: protocol.subnet, protocolId: protocol.id },
      });
    }
    return undefined;
  }
  return identity ?? Identity.generate();
}
