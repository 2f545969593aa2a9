/** Error texts name what a person can change, not two hashes. */
import { describe, expect, it } from 'vitest';
import { Protocol } from '@p2p/base';
import { describeProtocol, guessProtocol, mismatchMessage } from '../src/protocol-mismatch';
import { node, nextError } from './helpers';

describe('protocol mismatch texts', () => {
  it('recognise the likely settings from the protocol id (pure)', () => {
    const ours = new Protocol('mesh', 'Plaintext');
    expect(guessProtocol(ours, new Protocol('mesh', 'SSL').id)).toMatchObject({ subnet: 'mesh', encryption: 'SSL' });
    expect(guessProtocol(ours, new Protocol('sync0', 'Plaintext').id)).toMatchObject({ subnet: 'sync0' });
    expect(guessProtocol(ours, new Protocol('zz-unknown', 'Plaintext').id)).toBeUndefined();
    expect(describeProtocol('chat1', 'SSL')).toBe('subnet "chat", leasing on, encryption SSL');
    const text = mismatchMessage(new Protocol('chat1', 'Plaintext'), new Protocol('chat1', 'Plaintext').id, new Protocol('chat0', 'Plaintext').id, { host: '127.0.0.1', port: 9 });
    expect(text).toBe(
      'peer 127.0.0.1:9 is on another network: it runs subnet "chat", leasing off, encryption Plaintext, this node subnet "chat", leasing on, encryption Plaintext; use the same subnet, encryption and leasing mode on both',
    );
  });

  it('a real mismatch over TCP names the settings of both sides when they are recognisable', async () => {
    const a = await node({ protocol: new Protocol('alpha', 'Plaintext') });
    const b = await node({ protocol: new Protocol('mesh', 'Plaintext') });
    const err = nextError(a, 'PROTOCOL_MISMATCH');
    await expect(b.connect(...a.outAddr)).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH', message: expect.stringMatching(/runs an unknown subnet or encryption \(protocol id .*\), this node subnet "mesh", encryption Plaintext; use the same/) });
    expect((await err).message).toMatch(/it runs subnet "mesh", encryption Plaintext, this node subnet "alpha"/);
  });
});
