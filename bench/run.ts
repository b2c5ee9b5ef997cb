/**
 * `npm run bench`: runs every benchmark section in its own process, one after another (they
 * would disturb each other's figures if run together). `npm run bench -- primes` runs the
 * sections whose name contains "primes".
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const sections = [
  'bench/foundation.ts',
  'bench/primes.ts',
  'bench/primes-check-kernel.ts',
  'bench/check-answers.ts',
  'bench/primes-count.ts',
  'bench/reduce.ts',
  'bench/mapreduce.ts',
  'bench/mapreduce-kernels.ts',
  'bench/mapreduce-finish.ts',
  'bench/mapreduce-scale.ts',
  'bench/jobs.ts',
  'bench/tenants.ts',
  'bench/distributed.ts',
  'bench/sandbox.ts',
  'bench/sandbox-limits.ts',
  'bench/overload.ts',
];

const filters = process.argv.slice(2);
let failed = false;
for (const section of sections) {
  if (filters.length > 0 && !filters.some((filter) => section.includes(filter))) continue;
  if (!existsSync(section)) {
    console.log(`\n(skipping ${section}: not present)`);
    continue;
  }
  console.log(`\n# ${section}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', section], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${section} failed with status ${result.status}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
