/**
 * The console posts the whole record back: an offered field posted unchanged is no change, so a
 * name-only save does not redo a filing frequency change (and its dated row and audit).
 */
import { z } from 'zod';
import { consoleChanges } from '../../admin/resource-adapter';
import { CLIENT_FIELDS } from '../../db/editable-fields';

describe('console changes', () => {
  const edits = z.object(CLIENT_FIELDS);
  const stored = { id: 'c1', name: 'Alpha Traders', email: 'alpha@traders.example', filingFrequency: 'quarterly', active: true };

  it('passes on only the offered fields that differ from the stored record', () => {
    expect(consoleChanges(edits, stored, { ...stored, name: 'Alpha Renamed', active: 'true' })).toEqual({ changes: { name: 'Alpha Renamed' } });
    expect(consoleChanges(edits, stored, { ...stored, filingFrequency: 'monthly' })).toEqual({ changes: { filingFrequency: 'monthly' } });
    expect(consoleChanges(edits, stored, { ...stored })).toEqual({ changes: {} });
  });

  it('still refuses a changed field the console does not offer', () => {
    expect(consoleChanges(edits, stored, { ...stored, id: 'c2' })).toEqual({ refused: { id: 'This cannot be changed in the console.' } });
  });

  it("words a refused value as the API's rule in a sentence, never zod's notation", () => {
    expect(consoleChanges(edits, stored, { ...stored, name: '   ', email: 'not an email', filingFrequency: 'weekly' })).toEqual({
      refused: { name: 'Must not be empty.', email: 'Must be an email address.', filingFrequency: 'Must be monthly or quarterly.' },
    });
    expect(consoleChanges(edits, stored, { ...stored, name: 'x'.repeat(201) })).toEqual({ refused: { name: 'Must be at most 200 characters long.' } });
  });
});
