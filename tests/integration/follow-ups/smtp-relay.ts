/**
 * A controllable SMTP relay in front of the test mail catcher, for tests that need a delivery to
 * hang and then fail for real.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../../../ops/ports';
import { harnessValue } from '../../harness/harness-env';

/**
 * An SMTP relay to the mail catcher. While held, connections wait unanswered; `fail` then drops
 * them, so the worker's SMTP client sees the server hang up (a real delivery failure), and
 * `release` lets them through to the catcher (a slow delivery that succeeds). A held connection
 * waits at most the SMTP client's greeting timeout (30 s for nodemailer); `stall` holds longer:
 * the relay greets the client itself and then answers nothing (nodemailer waits up to its socket
 * timeout, 10 minutes), and such a connection can only fail.
 */
export async function startRelay(): Promise<{ port: number; hold(): void; stall(): void; fail(): void; release(): void; close(): Promise<void>; held(): number }> {
  const target = new URL(harnessValue('mailSmtpUrl'));
  let holding: 'no' | 'held' | 'stalled' = 'no';
  let waiting: Socket[] = [];
  const greeted = new WeakSet<Socket>();
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    if (holding !== 'no') {
      waiting.push(socket);
      if (holding === 'stalled') {
        greeted.add(socket);
        socket.write('220 relay.test ESMTP\r\n');
      }
      return;
    }
    pass(socket);
  });
  function pass(socket: Socket) {
    const upstream = connect(Number(target.port), target.hostname);
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  }
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    hold: () => {
      holding = 'held';
    },
    stall: () => {
      holding = 'stalled';
    },
    fail: () => {
      holding = 'no';
      for (const s of waiting) s.destroy();
      waiting = [];
    },
    release: () => {
      holding = 'no';
      for (const s of waiting) if (greeted.has(s)) s.destroy();
      else if (!s.destroyed) pass(s);
      waiting = [];
    },
    held: () => waiting.length,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
