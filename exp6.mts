import { IsolateRunner } from './src/sandbox/isolate-runner.ts';
import { WORD_COUNT, testLimits } from './test/helpers/sandbox.ts';
import { generateText } from './bench/lib/text.ts';
const text = generateText(5e6);
const enc = new TextEncoder();
const chunk = enc.encode(text.slice(0, text.lastIndexOf('\n', 4 << 20) + 1));
const small = enc.encode(text.slice(0, text.lastIndexOf('\n', 1 << 20) + 1));
const runner = new IsolateRunner();
for (const memoryMb of [128, 256, 512, 128, 512]) {
  const limits = testLimits({ memoryMb, processMemoryMb: 2048, cpuMs: 60000 });
  for (const [name, c] of [['1MB', small], ['4MB', chunk]] as const) {
    const cpu: number[] = [];
    for (let i = 0; i < 6; i++) cpu.push((await runner.map({ functions: WORD_COUNT, documents: { format: 'lines', text: c }, partitions: 1, limits })).cpuMs);
    cpu.sort((a, b) => a - b);
    process.stdout.write(`mem ${memoryMb} ${name}: min ${cpu[0]!.toFixed(0)} med ${cpu[3]!.toFixed(0)} | `);
  }
  console.log();
}
