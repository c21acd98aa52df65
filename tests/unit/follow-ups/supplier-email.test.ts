/**
 * A supplier chase's address follows the one email rule (domain/email.ts, db/editable-fields.ts
 * EMAIL), as users', invitations' and clients' addresses do: trimmed and lower-cased before it is
 * checked, so a pasted " Accounts@Supplier.Example " is taken and stored as one mailbox.
 */
import { mismatchBody } from '../../../api/follow-ups/schema';

const base = { supplierGstins: ['27AAAPL1234C1Z5'], dueDate: '2026-12-31', recipient: 'supplier' };

describe('supplier chase address', () => {
  it('is trimmed and lower-cased, then checked', () => {
    const typed = [' Accounts@Supplier.Example ', 'ACCOUNTS@SUPPLIER.EXAMPLE', 'accounts@supplier.example'];
    expect(typed.map((supplierEmail) => mismatchBody.safeParse({ ...base, supplierEmail }).data?.supplierEmail)).toEqual(typed.map(() => 'accounts@supplier.example'));
  });

  it('still refuses what is no address, under supplierEmail', () => {
    for (const supplierEmail of ['not-an-address', '   ', `${'a'.repeat(320)}@supplier.example`]) {
      const parsed = mismatchBody.safeParse({ ...base, supplierEmail });
      expect({ supplierEmail, ok: parsed.success, paths: parsed.error?.issues.map((i) => i.path.join('.')) }).toEqual({ supplierEmail, ok: false, paths: ['supplierEmail'] });
    }
  });
});
