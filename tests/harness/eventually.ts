/**
 * Waiting in tests: poll a probe until it yields a value (anything but undefined, null or false),
 * with a deadline. Never a fixed sleep: on a loaded machine the state arrives late, not never. On
 * timeout the error names what was awaited and the last value seen, so a failure says what differed.
 */
export async function eventually<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last seen: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
