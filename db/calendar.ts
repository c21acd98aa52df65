/**
 * The compliance calendar's query layer: loads the rules, the firm's settings, holidays, extensions,
 * client profiles and filings inside the caller's tenant transaction (row-level security scopes
 * every read to the firm, and a portal user to its own client), and hands them to the pure
 * functions of domain/calendar. Dates are read as text: a DATE column must never pass through a
 * JavaScript Date and the host's time zone.
 */
import type { Knex } from 'knex';
import { RuleRefusal } from './rule-refusal';
import {
  calendarForState,
  DEFAULT_TARGET_BUFFER_DAYS,
  DEFAULT_WARNING_DAYS,
  deadlineFor,
  deadlineKey,
  frequencyChangeFrom,
  istDate,
  qrmpTurnoverProblem,
  withFrequencyChange,
  type CalendarPolicy,
  type ClientProfile,
  type Deadline,
  type Extension,
  type FilingFrequency,
  type HolidayRow,
  type ReturnRule,
  type ReturnType,
} from '../domain/calendar';

export type CalendarSettings = { saturdaysWorking: boolean; targetBufferDays: number; warningDays: number };
export const DEFAULT_CALENDAR_SETTINGS: CalendarSettings = { saturdaysWorking: true, targetBufferDays: DEFAULT_TARGET_BUFFER_DAYS, warningDays: DEFAULT_WARNING_DAYS };

export type FirmHoliday = HolidayRow & { id: string; name: string };
export type NationalHoliday = { date: string; name: string };

export type CalendarClient = { id: string; name: string; gstin: string; ownerId: string | null; active: boolean; profile: ClientProfile };

export type FilingRecord = { id: string; clientId: string; returnType: ReturnType; period: string; filedOn: string; arn: string; createdAt: Date };

/** Everything about a firm the calendar needs, loaded once per request or sweep. */
export type FirmCalendar = {
  settings: CalendarSettings;
  rules: ReturnRule[];
  national: NationalHoliday[];
  firmHolidays: FirmHoliday[];
  extensions: Extension[];
  /** The policy for a GSTIN's state (its holiday calendar differs by state). */
  policyFor(stateCode: string): CalendarPolicy;
};

type RuleRow = {
  id: string; return_type: ReturnType; cadence: ReturnRule['cadence']; scheme: ReturnRule['scheme']; filing_frequency: ReturnRule['filingFrequency'];
  qrmp_group: ReturnRule['qrmpGroup']; months_of_quarter: number[] | null; due_month_offset: number; due_day: number;
  turnover_bands: ReturnRule['turnoverBands']; valid_from: string; valid_to: string | null;
};

export async function loadRules(trx: Knex.Transaction): Promise<ReturnRule[]> {
  const rows: RuleRow[] = await trx('calendar_rules').select('*').orderBy('id');
  return rows.map((r) => ({
    id: r.id, returnType: r.return_type, cadence: r.cadence, scheme: r.scheme, filingFrequency: r.filing_frequency, qrmpGroup: r.qrmp_group,
    monthsOfQuarter: r.months_of_quarter, dueMonthOffset: r.due_month_offset, dueDay: r.due_day, turnoverBands: r.turnover_bands, validFrom: r.valid_from, validTo: r.valid_to,
  }));
}

export async function loadCalendarSettings(trx: Knex.Transaction, firmId: string): Promise<CalendarSettings> {
  const row = await trx('firm_calendar_settings').where({ firm_id: firmId }).first('saturdays_working', 'target_buffer_days', 'warning_days');
  if (!row) return { ...DEFAULT_CALENDAR_SETTINGS };
  return { saturdaysWorking: row.saturdays_working, targetBufferDays: row.target_buffer_days, warningDays: row.warning_days };
}

export async function loadNationalHolidays(trx: Knex.Transaction): Promise<NationalHoliday[]> {
  return trx('national_holidays').select(trx.raw('date::text as date'), 'name').orderBy('date');
}

export async function loadFirmHolidays(trx: Knex.Transaction, firmId: string): Promise<FirmHoliday[]> {
  const rows = await trx('firm_holidays').where({ firm_id: firmId }).select('id', trx.raw('date::text as date'), 'name', 'state_code').orderBy([{ column: 'date' }, { column: 'state_code' }]);
  return rows.map((r: { id: string; date: string; name: string; state_code: string | null }) => ({ id: r.id, date: r.date, name: r.name, stateCode: r.state_code }));
}

export async function loadExtensions(trx: Knex.Transaction, firmId: string): Promise<Extension[]> {
  const rows = await trx('calendar_extensions')
    .where({ firm_id: firmId })
    .select('id', 'return_type', 'period', 'state_codes', 'filing_frequency', trx.raw('due_date::text as due_date'), 'reference', 'created_at')
    .orderBy([{ column: 'created_at' }, { column: 'id' }]);
  return rows.map((r: { id: string; return_type: ReturnType; period: string; state_codes: string[] | null; filing_frequency: FilingFrequency | null; due_date: string; created_at: Date }) => ({
    id: r.id, returnType: r.return_type, period: r.period, stateCodes: r.state_codes, filingFrequency: r.filing_frequency, dueDate: r.due_date, recordedAt: r.created_at.toISOString(),
  }));
}

export async function loadFirmCalendar(trx: Knex.Transaction, firmId: string): Promise<FirmCalendar> {
  const [settings, rules, national, firmHolidays, extensions] = [
    await loadCalendarSettings(trx, firmId), await loadRules(trx), await loadNationalHolidays(trx), await loadFirmHolidays(trx, firmId), await loadExtensions(trx, firmId),
  ];
  const nationalDates = national.map((h) => h.date);
  const policies = new Map<string, CalendarPolicy>();
  return {
    settings, rules, national, firmHolidays, extensions,
    policyFor(stateCode) {
      let policy = policies.get(stateCode);
      if (!policy) {
        policy = { rules, extensions, calendar: calendarForState(settings.saturdaysWorking, nationalDates, firmHolidays, stateCode), targetBufferDays: settings.targetBufferDays };
        policies.set(stateCode, policy);
      }
      return policy;
    },
  };
}

/** The firm's clients (or one, or some) with their calendar profiles; a portal user's RLS leaves only its own. */
export async function loadCalendarClients(trx: Knex.Transaction, firmId: string, clientId?: string | readonly string[]): Promise<CalendarClient[]> {
  const q = trx('clients').where({ firm_id: firmId }).select('id', 'name', 'gstin', 'state_code', 'filing_frequency', 'scheme', 'turnover_band', 'target_buffer_days', 'owner_id', 'active').orderBy([{ column: 'name' }, { column: 'id' }]);
  if (typeof clientId === 'string') q.where({ id: clientId });
  else if (clientId) q.whereIn('id', [...clientId]);
  const clients = await q;
  if (clients.length === 0) return [];
  const changes = await trx('client_frequency_changes').where({ firm_id: firmId }).whereIn('client_id', clients.map((c: { id: string }) => c.id)).select('client_id', 'from_period', 'frequency', 'previous_frequency');
  type Row = { id: string; name: string; gstin: string; state_code: string; filing_frequency: ClientProfile['filingFrequency']; scheme: ClientProfile['scheme']; turnover_band: ClientProfile['turnoverBand']; target_buffer_days: number | null; owner_id: string | null; active: boolean };
  type ChangeRow = { client_id: string; from_period: string; frequency: ClientProfile['filingFrequency']; previous_frequency: ClientProfile['filingFrequency'] };
  return (clients as Row[]).map((c) => ({
    id: c.id, name: c.name, gstin: c.gstin, ownerId: c.owner_id, active: c.active,
    profile: {
      stateCode: c.state_code, scheme: c.scheme, filingFrequency: c.filing_frequency, turnoverBand: c.turnover_band, targetBufferDays: c.target_buffer_days,
      frequencyChanges: (changes as ChangeRow[]).filter((x) => x.client_id === c.id).map((x) => ({ fromPeriod: x.from_period, frequency: x.frequency, previousFrequency: x.previous_frequency })),
    },
  }));
}

export async function loadFilings(trx: Knex.Transaction, firmId: string, clientIds: string[]): Promise<Map<string, FilingRecord>> {
  if (clientIds.length === 0) return new Map();
  const rows = await trx('filings').where({ firm_id: firmId }).whereIn('client_id', clientIds).select('id', 'client_id', 'return_type', 'period', trx.raw('filed_on::text as filed_on'), 'arn', 'created_at');
  return new Map(
    rows.map((r: { id: string; client_id: string; return_type: ReturnType; period: string; filed_on: string; arn: string; created_at: Date }) => [
      deadlineKey(r.client_id, r.return_type, r.period),
      { id: r.id, clientId: r.client_id, returnType: r.return_type, period: r.period, filedOn: r.filed_on, arn: r.arn, createdAt: r.created_at },
    ]),
  );
}

/**
 * The keyed lookup other processes (follow-ups, notices) use for a deadline: the dates computed from
 * the rows current in this transaction, so an extension recorded since is always seen. Null when the
 * client is not visible or the return does not apply to it for the period.
 */
export async function clientDeadline(trx: Knex.Transaction, firmId: string, clientId: string, returnType: ReturnType, period: string): Promise<(Deadline & { filed: boolean }) | null> {
  const [client] = await loadCalendarClients(trx, firmId, clientId);
  if (!client) return null;
  const calendar = await loadFirmCalendar(trx, firmId);
  const deadline = deadlineFor(client.profile, returnType, period, calendar.policyFor(client.profile.stateCode));
  if (!deadline) return null;
  const filings = await loadFilings(trx, firmId, [clientId]);
  return { ...deadline, filed: filings.has(deadlineKey(clientId, returnType, period)) };
}

/**
 * A client's new filing frequency, from the quarter the QRMP option window allows (so earlier
 * periods keep their returns): how both the API and the console change it. A change the QRMP
 * turnover rule refuses throws `qrmpRefusal` (the API's 422 `qrmp_turnover_limit`, the console's
 * notice) and writes nothing; the API checks it first (plainFrequencyChange) to answer 422.
 */
export async function changeFilingFrequency(trx: Knex.Transaction, firmId: string, clientId: string, frequency: FilingFrequency, userId: string | null): Promise<void> {
  const [client] = await loadCalendarClients(trx, firmId, clientId);
  if (!client) return;
  const change = plainFrequencyChange(frequency);
  const problem = qrmpTurnoverProblem(withFrequencyChange(client.profile, change));
  if (problem) throw qrmpRefusal(problem, 'filingFrequency');
  await recordFrequencyChange(trx, firmId, client, change, userId);
}

/** The QRMP turnover rule's refusal, in its words, naming the field that asked for the change. */
export function qrmpRefusal(problem: string, field: string): RuleRefusal {
  return new RuleRefusal('qrmp_turnover_limit', `${problem}.`, { [field]: problem });
}

/** The dated change a plain new frequency stands for: from the quarter the QRMP option window allows today. */
export function plainFrequencyChange(frequency: FilingFrequency): { frequency: FilingFrequency; fromPeriod: string } {
  return { frequency, fromPeriod: frequencyChangeFrom(istDate(new Date())) };
}

/**
 * Records that a client files at `frequency` from `fromPeriod` (a quarter's first month), with the
 * frequency it replaces, so earlier periods keep their returns; the client's own frequency becomes
 * the one after its latest change. 'unchanged' (and nothing written) when that frequency is already
 * in force then.
 */
export async function recordFrequencyChange(
  trx: Knex.Transaction,
  firmId: string,
  client: Pick<CalendarClient, 'id' | 'profile'>,
  change: { frequency: FilingFrequency; fromPeriod: string },
  userId: string | null,
): Promise<'recorded' | 'unchanged'> {
  const next = withFrequencyChange(client.profile, change);
  const { previousFrequency } = next.frequencyChanges.find((c) => c.fromPeriod === change.fromPeriod)!;
  if (previousFrequency === change.frequency) return 'unchanged';
  await trx('client_frequency_changes')
    .insert({ firm_id: firmId, client_id: client.id, from_period: change.fromPeriod, frequency: change.frequency, previous_frequency: previousFrequency, created_by: userId })
    .onConflict(['firm_id', 'client_id', 'from_period'])
    .merge(['frequency', 'previous_frequency', 'created_by', 'updated_at']);
  await trx('clients').where({ firm_id: firmId, id: client.id }).update({ filing_frequency: next.filingFrequency, updated_at: trx.fn.now() });
  return 'recorded';
}
