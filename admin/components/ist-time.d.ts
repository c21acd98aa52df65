/** Types of ./ist-time.js (a console bundle module, read by the unit tests that hold it to the server's rule). */
export function istTime(value: string | Date | null | undefined): string;
