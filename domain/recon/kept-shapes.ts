/**
 * One small instance of each class the engine creates per run, kept for the life of the process.
 *
 * V8 reaches the hidden class of a fully constructed instance only through weak transitions from
 * the constructor's initial class. When a run's objects become garbage, a full collection frees
 * those hidden classes with them, and every optimised function that checked one (the phases read
 * the document columns, the interner and the summary sinks through them) is thrown away ("weak
 * objects" under --trace-deopt). The next run then started in the interpreter and compiled the
 * engine again (about half a second of compile work per 1-lakh run). A live instance keeps each
 * hidden class, so the compiled engine survives between runs (the benchmark checks it: ops/bench/warm-trace.ts).
 */
const kept: object[] = [];

/** Keeps `instance` (a small one: it lives as long as the process) and returns it. */
export function keepShape<T extends object>(instance: T): T {
  kept.push(instance);
  return instance;
}
