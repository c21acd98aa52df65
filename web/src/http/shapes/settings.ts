/** The firm's settings: general, email, GSP, holidays and retention. */
export type FirmSettings = { name: string; allowSelfApproval: boolean; requireTotpForAdmins: boolean; reconciliationDefaults: { amountTolerance?: number; dateWindowDays?: number } };

export type SmtpSettings = { host: string | null; port: number | null; secure: boolean | null; user: string | null; from: string | null; passwordSet: boolean };
/** POST /api/settings/smtp/test. */
export type SmtpTestResult = { ok: true; messageId?: string };
export type GspSettings = { provider: string | null; username: string | null; clientId: string | null; passwordSet: boolean };
export type Holidays = { saturdaysWorking: boolean; targetBufferDays: number; warningDays: number; dates: Array<{ date: string; name: string; stateCode: string | null }>; nationalHolidays: Array<{ date: string; name: string }> };

/** GET/PUT /api/settings/retention: months after the annual return's due date per class; null keeps. */
export type RetentionClassSetting = { retainMonths: number | null; minimumMonths: number | null; rule: { reference: string; version: string } | null };
export type RetentionSettings = { sourceFiles: RetentionClassSetting; reconciliationResults: RetentionClassSetting; countedFrom: string; updatedAt: string | null; updatedBy: string | null };
export type RetentionPlanItem = {
  clientId: string;
  clientName: string | null;
  period: string;
  financialYear: string;
  dataClass: 'sourceFiles' | 'reconciliationResults';
  annualReturnDueDate: string;
  retainMonths: number | null;
  keepUntil: string | null;
  purgeOn: string | null;
  status: 'kept' | 'not_closed' | 'scheduled' | 'due' | 'purged';
  purgedAt: string | null;
  rows: Record<string, number> | null;
};
