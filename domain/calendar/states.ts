/**
 * QRMP state groups: a quarterly (QRMP) filer's GSTR-3B is due on the 22nd or the 24th of the month
 * after the quarter depending on the state of its GSTIN (the first two digits). The group is what
 * the rules table keys on; which states are in which group is this one list.
 */
import { STATE_CODES } from '../gstin';

export type QrmpGroup = 'A' | 'B';

/**
 * Group A (22nd): Chhattisgarh, Madhya Pradesh, Gujarat, Dadra & Nagar Haveli and Daman & Diu (and
 * the old Daman & Diu code), Maharashtra, Karnataka, Goa, Lakshadweep, Kerala, Tamil Nadu, Puducherry,
 * Andaman & Nicobar Islands, Telangana, Andhra Pradesh (both codes). Every other state and territory
 * is group B (24th).
 */
const GROUP_A = new Set(['22', '23', '24', '25', '26', '27', '28', '29', '30', '31', '32', '33', '34', '35', '36', '37']);

export function isStateCode(code: string): boolean {
  return code in STATE_CODES;
}

export function qrmpGroup(stateCode: string): QrmpGroup {
  if (!isStateCode(stateCode)) throw new Error(`not a GST state code: ${stateCode}`);
  return GROUP_A.has(stateCode) ? 'A' : 'B';
}

export function stateName(stateCode: string): string | null {
  return STATE_CODES[stateCode] ?? null;
}
