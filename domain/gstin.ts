/**
 * GSTIN validation: structure of the 15 characters and the Luhn mod 36 check character.
 * A valid check character proves only that the number was not mistyped, not that it is registered.
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** State and territory codes that may open a regular GSTIN (25 and 28 survive in old data). */
export const STATE_CODES: Readonly<Record<string, string>> = {
  '01': 'Jammu & Kashmir', '02': 'Himachal Pradesh', '03': 'Punjab', '04': 'Chandigarh',
  '05': 'Uttarakhand', '06': 'Haryana', '07': 'Delhi', '08': 'Rajasthan', '09': 'Uttar Pradesh',
  '10': 'Bihar', '11': 'Sikkim', '12': 'Arunachal Pradesh', '13': 'Nagaland', '14': 'Manipur',
  '15': 'Mizoram', '16': 'Tripura', '17': 'Meghalaya', '18': 'Assam', '19': 'West Bengal',
  '20': 'Jharkhand', '21': 'Odisha', '22': 'Chhattisgarh', '23': 'Madhya Pradesh', '24': 'Gujarat',
  '25': 'Daman & Diu', '26': 'Dadra & Nagar Haveli and Daman & Diu', '27': 'Maharashtra',
  '28': 'Andhra Pradesh (old)', '29': 'Karnataka', '30': 'Goa', '31': 'Lakshadweep', '32': 'Kerala',
  '33': 'Tamil Nadu', '34': 'Puducherry', '35': 'Andaman & Nicobar Islands', '36': 'Telangana',
  '37': 'Andhra Pradesh', '38': 'Ladakh', '97': 'Other territory', '99': 'Centre jurisdiction',
};

/** Regular GSTIN: state, PAN (5 letters, 4 digits, 1 letter), entity number 1-9/A-Z, Z (or C/D), check. */
const REGULAR_PATTERN = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][ZCD][0-9A-Z]$/;

export function gstinCheckCharacter(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i += 1) {
    const value = ALPHABET.indexOf(first14.charAt(i));
    if (value < 0) throw new Error('GSTIN contains a character outside 0-9 and A-Z');
    const product = value * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return ALPHABET.charAt((36 - (sum % 36)) % 36);
}

export function normaliseGstin(raw: string): string {
  return raw.trim().toUpperCase();
}

export type GstinProblem = 'length' | 'format' | 'state_code' | 'check_character';

/** Returns null for a valid GSTIN, else the first problem found. */
export function gstinProblem(raw: string): GstinProblem | null {
  const gstin = normaliseGstin(raw);
  if (gstin.length !== 15) return 'length';
  if (!REGULAR_PATTERN.test(gstin)) return 'format';
  if (!(gstin.slice(0, 2) in STATE_CODES)) return 'state_code';
  if (gstinCheckCharacter(gstin.slice(0, 14)) !== gstin.charAt(14)) return 'check_character';
  return null;
}

export function isValidGstin(raw: string): boolean {
  return gstinProblem(raw) === null;
}

/** The PAN inside a GSTIN (characters 3 to 12): the same PAN is the same legal entity. */
export function panOfGstin(gstin: string): string {
  return normaliseGstin(gstin).slice(2, 12);
}
