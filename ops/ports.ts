/** Checks, before anything starts, that every port we are about to bind is free, and names the one that is not. */
import fs from 'node:fs';
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

/**
 * A port free right now, for tests and scratch servers. It is drawn from below the OS's ephemeral
 * range (where listen(0) and outgoing connections get their ports): a port the OS hands out there
 * can be handed to another process's listen(0) (a Temporal dev server's internal listeners, a
 * browser) between our pick and our bind, which happened under load. Below that range only another
 * picker like this one could take it, so each process starts at a random place and never hands out
 * the same port twice.
 */
export async function freePort(): Promise<number> {
  const range = pickRange();
  if (!range) return osFreePort();
  const size = range.high - range.low;
  for (let tries = 0; tries < size; tries++) {
    const port = range.low + (cursor++ % size);
    if (handedOut.has(port)) continue;
    if (await isPortFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  return osFreePort();
}

const PICK_FLOOR = 10_000;
const handedOut = new Set<number>();
let cursor = Math.floor(Math.random() * 1_000_000);
let range: { low: number; high: number } | null | undefined;

/** [10000, the ephemeral range's start), or null where that range is unknown or too low. */
function pickRange(): { low: number; high: number } | null {
  if (range !== undefined) return range;
  let ephemeralLow = 0;
  try {
    ephemeralLow = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    // Not Linux: the OS's own choice.
  }
  range = Number.isInteger(ephemeralLow) && ephemeralLow - PICK_FLOOR >= 2_000 ? { low: PICK_FLOOR, high: ephemeralLow } : null;
  return range;
}

/** A port the OS considers free right now (listen on port 0). */
function osFreePort(): Promise<number> {
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
