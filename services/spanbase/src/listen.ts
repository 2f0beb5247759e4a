// Binds a fastify app and returns the port it got (port 0 picks a free one: tests use that).
import type { FastifyInstance } from '@spanbase/server';

/** Listens on host:port; resolves with the bound port. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<number> {
  await app.listen({ host, port });
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}
