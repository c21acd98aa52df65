/**
 * Known devices. A browser (or script) that signed in to an account keeps a cookie naming the
 * accounts it signed in to, each as `<day>:<HMAC(key, email, day)>`, so it proves a past sign-in
 * without saying which email (the MAC is keyed on the server). Such a device is not subject to the
 * account lockout: an attacker who guesses passwords for someone's email can slow that email's
 * sign-ins from unknown devices, never from the devices its owner uses.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { normaliseEmail } from '../../domain/email';

export const DEVICE_COOKIE = 'taalmel_device';
/** A device is remembered this long after its last sign-in to the account. */
const REMEMBER_DAYS = 180;
/** Accounts one device remembers (the most recent ones). */
const MAX_ACCOUNTS = 5;

const today = (now = Date.now()) => Math.floor(now / 86_400_000);

export class DeviceCookies {
  private readonly key: Buffer;

  constructor(signingKeys: string, currentKid: string, private readonly secure: boolean) {
    const entry = signingKeys.split(',').map((e) => e.trim()).find((e) => e.startsWith(`${currentKid}:`));
    if (!entry) throw new Error('the current session signing key is missing');
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(entry.slice(currentKid.length + 1), 'base64'), Buffer.alloc(0), 'taalmel known device v1', 32));
  }

  private mac(email: string, day: number): string {
    return createHmac('sha256', this.key).update(`${normaliseEmail(email)}\n${day}`).digest('base64url').slice(0, 22);
  }

  private entries(ctx: Context): Array<{ day: number; mac: string }> {
    const raw = ctx.cookies.get(DEVICE_COOKIE) ?? '';
    return raw
      .split('.')
      .slice(0, MAX_ACCOUNTS)
      .map((part) => {
        const [day, mac] = part.split(':');
        return { day: Number(day), mac: mac ?? '' };
      })
      .filter((e) => Number.isInteger(e.day) && e.mac.length === 22);
  }

  /** This request comes from a device that signed in to this email within the remembered time. */
  knows(ctx: Context, email: string): boolean {
    const now = today();
    return this.entries(ctx).some((e) => {
      if (e.day > now || now - e.day > REMEMBER_DAYS) return false;
      const expected = Buffer.from(this.mac(email, e.day));
      const given = Buffer.from(e.mac);
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  /** After a successful sign-in: remember (or refresh) this account on the device. */
  remember(ctx: Context, email: string): void {
    const day = today();
    const fresh = `${day}:${this.mac(email, day)}`;
    const others = this.entries(ctx)
      .filter((e) => !this.knowsEntry(e, email))
      .map((e) => `${e.day}:${e.mac}`);
    ctx.cookies.set(DEVICE_COOKIE, [fresh, ...others].slice(0, MAX_ACCOUNTS).join('.'), {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      overwrite: true,
      maxAge: REMEMBER_DAYS * 86_400_000,
    });
  }

  private knowsEntry(e: { day: number; mac: string }, email: string): boolean {
    return this.mac(email, e.day) === e.mac;
  }
}
