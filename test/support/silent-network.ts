/**
 * A TCP relay to a server that can be made to drop everything silently, as a network does when
 * the server's host vanished without closing its connections: connections stay open and nothing
 * arrives, either way, with no error. Restored, it relays again; a connection that lost bytes is
 * reset, as the server's host would reset it on coming back.
 */
import net from 'node:net';

export interface SilentNetwork {
  /** The URL of `databaseUrl` with its host and port replaced by the relay's. */
  url: string;
  silence(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startSilentNetwork(databaseUrl: string): Promise<SilentNetwork> {
  const target = new URL(databaseUrl);
  let silent = false;
  const pairs = new Set<{ client: net.Socket; server: net.Socket; lost: boolean }>();
  const relay = net.createServer((client) => {
    const server = net.connect(Number(target.port || 5432), target.hostname);
    const pair = { client, server, lost: false };
    pairs.add(pair);
    const forward = (to: net.Socket) => (chunk: Buffer) => {
      if (silent) pair.lost = true;
      else to.write(chunk);
    };
    client.on('data', forward(server));
    server.on('data', forward(client));
    for (const socket of [client, server]) {
      socket.on('error', () => {});
      socket.on('close', () => {
        pairs.delete(pair);
        client.destroy();
        server.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((relay.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    silence: () => (silent = true),
    restore() {
      silent = false;
      for (const pair of pairs) if (pair.lost) pair.client.resetAndDestroy();
    },
    async close() {
      for (const pair of pairs) pair.client.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
