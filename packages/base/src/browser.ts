/**
 * @p2p/base for browsers (the `browser` export condition): the same API as the Node entry,
 * built with `#platform` resolved to `platform/browser.ts`, so the bundle holds no Node
 * built-ins. What differs: digests use @noble/hashes and zlib/gzip use fflate (same bytes in,
 * same bytes out, same size caps); there is no TCP, so 'Plaintext' is not built in
 * (`createTransport('Plaintext')` throws `TRANSPORT_NOT_FOUND` until a WebSocket transport is
 * registered), the TCP helpers throw `TRANSPORT_NOT_FOUND`, and `lanAddress()` is '127.0.0.1'.
 * @packageDocumentation
 */
export * from './index';
