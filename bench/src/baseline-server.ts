import Fastify from 'fastify';

/** The baseline: a bare fastify POST route with a JSON body, nothing else. */
const app = Fastify({ logger: false });
app.post('/echo', async (request) => ({ ok: true, got: (request.body as { n?: number } | null)?.n ?? null }));
app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then(
  () => process.stdout.write('ready\n'),
  (err: unknown) => {
    process.stderr.write(String(err));
    process.exit(1);
  },
);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
