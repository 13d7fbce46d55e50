// The simulator for the realtime benchmark, in a process of its own so the worker's memory and CPU are measured
// alone: prints {"url": …} on stdout once listening, stops on SIGTERM or when stdin closes.
import { startSandbox } from '../src/sandbox/server.ts';

const sandbox = await startSandbox({
  port: 0,
  host: '127.0.0.1',
  rateLimit: { perIp: false, perSession: { requests: 1_000_000, windowMs: 60_000, blockMs: 1000 } },
});
process.stdout.write(`${JSON.stringify({ url: sandbox.url })}\n`);
const stop = () => void sandbox.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.stdin.resume();
process.stdin.once('end', stop);
