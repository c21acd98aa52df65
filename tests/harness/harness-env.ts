/** How the global setup hands the servers it started to the test workers (environment variables). */
export const HARNESS_ENV = {
  adminUrl: 'TAALMEL_TEST_ADMIN_URL',
  temporalAddress: 'TAALMEL_TEST_TEMPORAL_ADDRESS',
  workflowBundle: 'TAALMEL_TEST_WORKFLOW_BUNDLE',
  templateDatabase: 'TAALMEL_TEST_TEMPLATE_DATABASE',
  mailSmtpUrl: 'TAALMEL_TEST_MAIL_SMTP_URL',
  mailApiUrl: 'TAALMEL_TEST_MAIL_API_URL',
} as const;

export type HarnessState = { workDir: string; stops: Array<() => Promise<void>> };

export function harnessValue(key: keyof typeof HARNESS_ENV): string {
  const value = process.env[HARNESS_ENV[key]];
  if (!value) throw new Error(`${HARNESS_ENV[key]} is not set: run the tests through jest (npm test) so the global setup starts the servers`);
  return value;
}
