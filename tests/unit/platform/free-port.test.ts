/**
 * Free ports for test stacks come from below the OS's ephemeral range, so another process's
 * listen(0) cannot take one between our pick and our bind; a port is never handed out twice, and
 * one another listener holds is skipped.
 */
import fs from 'node:fs';
import net from 'node:net';
import { freePort } from '../../../ops/ports';

const ephemeralLow = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range, each free to bind', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    const outside = ports.filter((p) => p < 10_000 || p >= ephemeralLow);
    expect({ outside, ephemeralLow }).toEqual({ outside: [], ephemeralLow });
    const servers = await Promise.all(ports.map(listen));
    await Promise.all(servers.map(close));
  });

  it('skips a port another listener holds', async () => {
    const first = await freePort();
    // The next port in this process's walk, taken by someone else before we ask for it.
    const held = await listen(first + 1);
    try {
      const next = await freePort();
      expect(next).not.toBe(first + 1);
      expect(next).not.toBe(first);
    } finally {
      await close(held);
    }
  });
});
