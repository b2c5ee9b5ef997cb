import { request } from 'node:http';
import { spawn } from 'node:child_process';
const MIB = 1024 * 1024;
function distinctWords(bytes: number, separator: number): Buffer {
  const body = Buffer.alloc(bytes, 0x20); const digits = new Uint8Array(16); let pos = 0, words = 0;
  for (let i = 26 ** 4; ; i++) { let n = i, len = 0; while (n > 0) { n -= 1; digits[len++] = 0x61 + (n % 26); n = Math.floor(n / 26); }
    if (pos + len + 1 > bytes) break; for (let j = len - 1; j >= 0; j--) body[pos++] = digits[j]!; body[pos++] = words % 16 === 15 ? separator : 0x20; words++; }
  return body;
}
const body = distinctWords(Number(process.argv[2] ?? 128) * MIB, Number(process.argv[4] ?? 10));
const port = 3999;
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/srvprof', 'dist/server.js'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', POOL_THREADS: '2', REQUEST_TIMEOUT_MS: '600000' }, stdio: 'inherit' });
for (;;) { try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }
await fetch(`http://127.0.0.1:${port}/metrics`);
const t = performance.now();
const status = await new Promise((resolve) => { const req = request(`http://127.0.0.1:${port}/v1/mapreduce?job=${process.argv[3] ?? 'wordcount'}`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': body.length } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); }); req.end(body); });
const m = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
console.log(status, ((performance.now() - t) / 1000).toFixed(1), 's', /^nodejs_eventloop_lag_max_seconds\S*\s+(\S+)/m.exec(m)?.[1]);
child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r));
