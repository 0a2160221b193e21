// The simulated disk against kit's FileSystem contract, the same suite the
// real disk passes (packages/kit/src/real-fs.test.ts).
import { fileSystemContract } from '@shoal/kit/testing';
import { Simulation } from './simulation.js';
import { SimDisk } from './disk.js';

const SEED = Number(process.env['SHOAL_SEED'] ?? 4242);

fileSystemContract(`SimDisk (seed ${SEED})`, async () => {
  const disk = new SimDisk(new Simulation({ seed: SEED }));
  return { fs: disk.fileSystem(), cleanup: async () => {} };
});
