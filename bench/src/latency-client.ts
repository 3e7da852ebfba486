/**
 * The client the read latencies are measured from: a process of its own, started for the
 * measurement, so that the load generator's heap (the approval bodies, the tokens the fixture
 * built in-process) never pauses one with its garbage collection. Argument: a JSON job
 * `{"url", "authorization", "n"}`; `n` GETs one after another; prints `{"p50","p99"}` (ms).
 */
import { latencies } from './stats';

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as { url: string; authorization: string; n: number };
  const get = async () => {
    const res = await fetch(job.url, { headers: { authorization: job.authorization } });
    await res.arrayBuffer();
  };
  // A few unmeasured requests first: the connection and this process's own code warm.
  for (let i = 0; i < 20; i++) await get();
  const measured = await latencies(job.n, get);
  process.stdout.write(JSON.stringify(measured));
}

main().catch((err: unknown) => {
  process.stderr.write(`latency client: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
