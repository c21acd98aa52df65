/** How calendar rows become JSON: dates as YYYY-MM-DD, instants with the +05:30 offset. */
import { filingOpensOn, istIso, periodLabel, qrmpGroup, type CalendarEntry } from '../../domain/calendar';
import type { CalendarClient, CalendarSettings, FirmHoliday, NationalHoliday } from '../../db/calendar';

export function presentEntry(e: CalendarEntry) {
  return {
    clientId: e.clientId,
    clientName: e.clientName,
    returnType: e.returnType,
    period: e.period,
    // The period as a CA reads it (a quarter of the FY, a financial year); `period` stays the key (docs/calendar.md).
    periodLabel: periodLabel(e.period, e.cadence),
    dueDate: e.dueDate,
    extendedDueDate: e.extendedDueDate,
    targetDate: e.targetDate,
    status: e.status,
    filing: e.filing,
    // The first day a filing can be recorded (the period's end, docs/calendar.md): the web app holds its button until then.
    filingOpensOn: filingOpensOn(e.period),
    effectiveDueDate: e.effectiveDueDate,
    dueAt: istIso(e.dueAt),
  };
}

export function presentProfile(c: CalendarClient) {
  return {
    id: c.id,
    name: c.name,
    gstin: c.gstin,
    stateCode: c.profile.stateCode,
    qrmpGroup: qrmpGroup(c.profile.stateCode),
    scheme: c.profile.scheme,
    filingFrequency: c.profile.filingFrequency,
    frequencyChanges: [...c.profile.frequencyChanges].sort((a, b) => a.fromPeriod.localeCompare(b.fromPeriod)),
    turnoverBand: c.profile.turnoverBand,
    targetBufferDays: c.profile.targetBufferDays,
    ownerId: c.ownerId,
  };
}

export function presentHolidays(settings: CalendarSettings, firmHolidays: FirmHoliday[], national: NationalHoliday[]) {
  return {
    saturdaysWorking: settings.saturdaysWorking,
    targetBufferDays: settings.targetBufferDays,
    warningDays: settings.warningDays,
    dates: firmHolidays.map((h) => ({ date: h.date, name: h.name, stateCode: h.stateCode })),
    nationalHolidays: national,
  };
}
