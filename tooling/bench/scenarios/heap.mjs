// Heap figures for the scale and memory scenarios: a full garbage collection before reading
// heapUsed, without needing `node --expose-gc` on the command line.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc');

/** heapUsed after a full collection (twice: weak references and finalizers settle). */
export async function settledHeap() {
  for (let i = 0; i < 2; i++) {
    collect();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

export const KB = 1024;
export const MB = 1024 * 1024;
