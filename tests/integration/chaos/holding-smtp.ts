/**
 * An SMTP relay in front of the harness's Mailpit that, on its first connection, passes the whole
 * message through but holds back the server's answer to the end of DATA: the message is delivered,
 * and the sender never learns it. That is the worst moment for a sender to die.
 */
import net from 'node:net';

export type HoldingSmtp = { url: string; held(): boolean; close(): Promise<void> };

export async function startHoldingSmtp(upstreamUrl: string): Promise<HoldingSmtp> {
  const upstream = new URL(upstreamUrl);
  let connections = 0;
  let held = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections += 1;
    const holdThisOne = connections === 1;
    let holding = false;
    let sent = '';
    const relay = net.connect(Number(upstream.port), upstream.hostname);
    for (const s of [client, relay]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (chunk) => {
      if (holdThisOne) {
        sent = (sent + chunk.toString('latin1')).slice(-16);
        if (sent.endsWith('\r\n.\r\n')) holding = true;
      }
      relay.write(chunk);
    });
    relay.on('data', (chunk) => {
      if (holding) {
        held = true;
        return;
      }
      client.write(chunk);
    });
    client.on('close', () => relay.destroy());
    relay.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    held: () => held,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
