/** The console's one same-origin rule (admin/guard.ts isConsoleOrigin): scheme, host and port, PUBLIC_URL first. */
import { isConsoleOrigin } from '../../admin/guard';

describe('isConsoleOrigin', () => {
  const direct = { requestOrigin: 'https://console.example' };
  const proxied = { publicUrl: 'https://taalmel.example/', requestOrigin: 'http://10.0.0.5:3000' };

  it('accepts the exact origin the request was made to, from an Origin or a Referer', () => {
    expect(isConsoleOrigin('https://console.example', direct)).toBe(true);
    expect(isConsoleOrigin('https://console.example/admin/login?x=1', direct)).toBe(true);
  });

  it('refuses the same host over another scheme or port (http is not the https console)', () => {
    expect(isConsoleOrigin('http://console.example', direct)).toBe(false);
    expect(isConsoleOrigin('https://console.example:8443', direct)).toBe(false);
    expect(isConsoleOrigin('https://evil.console.example', direct)).toBe(false);
  });

  it('with PUBLIC_URL, requires its origin exactly, whatever host the request reached', () => {
    expect(isConsoleOrigin('https://taalmel.example', proxied)).toBe(true);
    expect(isConsoleOrigin('http://taalmel.example', proxied)).toBe(false);
    expect(isConsoleOrigin('http://10.0.0.5:3000', proxied)).toBe(false);
  });

  it('treats an opaque or malformed origin as cross-origin, without throwing', () => {
    for (const sent of ['null', 'data:text/html,x', 'not a url', '', undefined]) {
      expect(() => isConsoleOrigin(sent, direct)).not.toThrow();
      expect(isConsoleOrigin(sent, direct)).toBe(false);
    }
  });
});
