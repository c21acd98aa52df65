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

/**
 * A promise awaited with a deadline: a step of a test's plan that overruns fails with its own name
 * and budget (before the test's overall timeout, so the test's `finally` still stops what it
 * started), instead of jest's bare "Exceeded timeout".
 */
export async function within<T>(what: string, timeoutMs: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
