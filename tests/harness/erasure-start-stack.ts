/**
 * For the tests of how the api starts a client's erasure (record, then start): the data-protection
 * stack with the api's starts of the erasure workflow hooked (tests/harness/start-hook.ts), a firm
 * admin signed in and re-authenticated, and the request that asks for an erasure.
 */
import { CLIENT_ERASURE_WORKFLOW } from '../../workflows/client-erasure-definitions';
import { call, loginReauthenticated } from './api';
import { startDataProtectionStack, type DataProtectionStack } from './data-protection-stack';
import { hookStarts, type StartHook } from './start-hook';

export type ErasureStartStack = {
  stack: DataProtectionStack;
  /** The firm admin's session, re-authenticated (an erasure asks for it). */
  token: string;
  /** What the api's next start of an erasure workflow does: wait for a gate or fail first, or stop after it. */
  startHook: StartHook;
};

/**
 * Registers the file's beforeAll and afterAll; the fields are set once beforeAll has run.
 * `beforeClose` runs first in the afterAll (whatever the test left running that the close would wait for).
 */
export function withErasureStartStack(name: string, options: { cancelGraceSeconds: number; beforeClose?: (s: ErasureStartStack) => Promise<void> }): ErasureStartStack {
  const s = {} as ErasureStartStack;
  beforeAll(async () => {
    s.stack = await startDataProtectionStack(name, { cancelGraceSeconds: options.cancelGraceSeconds });
    s.startHook = hookStarts(s.stack.api, CLIENT_ERASURE_WORKFLOW);
    s.token = await loginReauthenticated(s.stack.api, s.stack.firm.users.firm_admin);
  });
  afterAll(async () => {
    if (!s.stack) return;
    await options.beforeClose?.(s);
    await s.stack.close();
  });
  return s;
}

/** The firm admin's request to erase `client`, its name typed as the confirmation. */
export const askErasure = (s: ErasureStartStack, client: { id: string; name: string }) =>
  call(s.stack.api, 'POST', `/api/clients/${client.id}/erasure`, { token: s.token, body: { reason: 'engagement ended', confirmName: client.name } });
