/** Checks, before anything starts, that every port we are about to bind is free, and names the one that is not. */
import net from 'node:net';

export type NamedPort = { port: number; variable: string; purpose: string };

export class PortInUseError extends Error {
  constructor(readonly taken: NamedPort[]) {
    super(
      taken
        .map((p) => `Port ${p.port} (${p.purpose}) is already in use. Stop whatever holds it or set ${p.variable} to a free port.`)
        .join('\n'),
    );
    this.name = 'PortInUseError';
  }
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function assertPortsFree(ports: NamedPort[]): Promise<void> {
  const taken: NamedPort[] = [];
  for (const p of ports) if (!(await isPortFree(p.port))) taken.push(p);
  if (taken.length > 0) throw new PortInUseError(taken);
}

/** A port the OS considers free right now (for tests and scratch servers). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
