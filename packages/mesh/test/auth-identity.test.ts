import { afterEach, describe, expect, it } from 'vitest';
import { Identity, Protocol } from '@p2p/base';
import { closeAfterEach } from '@p2p/testnet';
import { MeshSocket } from '../src/index';

const track = closeAfterEach(afterEach);
const AUTH = new Protocol('authmesh', 'Plaintext', { auth: true });

describe('identity option', () => {
  it('in an authenticated subnet the node id is the identity id', async () => {
    const identity = Identity.generate();
    const node = track(await MeshSocket.listen({ protocol: AUTH, identity }));
    expect(node.identity).toBe(identity);
    expect(node.id).toBe(identity.id);
  });

  it('generates an identity when none is given', async () => {
    const node = track(await MeshSocket.listen({ protocol: AUTH }));
    expect(node.identity).toBeInstanceOf(Identity);
    expect(node.id).toBe(node.identity!.id);
  });

  it('has no identity in a plain subnet', async () => {
    const node = track(await MeshSocket.listen());
    expect(node.identity).toBeUndefined();
  });

  it('refuses an identity on a non-authenticated protocol with INVALID_ARGUMENT', async () => {
    await expect(MeshSocket.listen({ identity: Identity.generate() })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(MeshSocket.listen({ protocol: AUTH, identity: {} as Identity })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
