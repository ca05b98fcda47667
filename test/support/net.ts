import net from 'node:net';

/** Starts a server (net, http, https or tls) on a free loopback port; resolves to the port. */
export async function listenLocal(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

/** A loopback port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await listenLocal(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
