#!/usr/bin/env node
// The `p2p` executable. Everything lives in runCli; this only binds it to the process.
import { processIo } from './io';
import { runCli } from './program';

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// Everything was closed; if a stray handle (a half-open dial, a stdin stream) remains, do not hang.
setTimeout(() => process.exit(code), 2_000).unref();
