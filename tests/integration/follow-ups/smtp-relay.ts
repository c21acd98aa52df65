/**
 * A controllable SMTP relay in front of the test mail catcher, for tests that need a delivery to
 * hang and then fail for real.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../../../ops/ports';
import { harnessValue } from '../../harness/harness-env';

/**
 * An SMTP relay to the mail catcher. While held, connections wait unanswered; `fail` then drops
 * them, so the worker's SMTP client sees the server hang up (a real delivery failure).
 */
export async function startRelay(): Promise<{ port: number; hold(): void; fail(): void; close(): Promise<void>; held(): number }> {
  const target = new URL(harnessValue('mailSmtpUrl'));
  let holding = false;
  let waiting: Socket[] = [];
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    if (holding) {
      waiting.push(socket);
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    hold: () => {
      holding = true;
    },
    fail: () => {
      holding = false;
      for (const s of waiting) s.destroy();
      waiting = [];
    },
    held: () => waiting.length,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
