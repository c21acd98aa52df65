/** What the client and the firm receive (domain/follow-ups/messages.ts) and what a client may upload (file-types.ts). */
import { detectClientFileType, followUpDueDateFor, isClientFileType, renderAcknowledgement, renderClientReminder, renderEscalation } from '../../../domain/follow-ups';

describe('follow-up messages', () => {
  const base = {
    firmName: 'Iyer & Co <CA>',
    clientName: 'Meridian "Components"',
    contact: { name: 'Sita Staff', email: 'sita@firm.test' },
    unsubscribeUrl: 'https://app.test/r/tok?unsubscribe=1',
  };

  it('lists every section with its link, the staff contact and the unsubscribe link, escaping HTML', () => {
    const email = renderClientReminder({
      ...base,
      kind: 'overdue',
      sections: [
        { title: 'November bills', dueDate: '2026-12-18', link: 'https://app.test/r/aaa', items: [{ description: 'Purchase <invoices>', period: '2026-11' }] },
        { title: 'Bank', dueDate: '2026-12-20', link: 'https://app.test/r/bbb', items: [{ description: 'Statement', period: null }] },
      ],
    });
    expect(email.subject).toBe('Iyer & Co <CA>: 2 items needed (overdue) — November bills');
    // Dates as the app writes them (dd-mm-yyyy), periods as months: never ISO in a client's email.
    expect(email.text).toContain('Purchase <invoices> — November 2026');
    expect(email.text).toContain('November bills — due 18-12-2026');
    expect(email.html).toContain('November bills — due 18-12-2026');
    expect(email.html).toContain('Purchase &lt;invoices&gt; — November 2026</li>');
    expect(email.text + email.html).not.toMatch(/2026-1[12]/);
    expect(email.text).toContain('https://app.test/r/aaa');
    expect(email.text).toContain('https://app.test/r/bbb');
    expect(email.text).toContain('Sita Staff <sita@firm.test>');
    expect(email.text).toContain(base.unsubscribeUrl);
    expect(email.html).toContain('Purchase &lt;invoices&gt;');
    expect(email.html).not.toContain('<invoices>');
    expect(email.html).toContain('Meridian &quot;Components&quot;');
  });

  it("writes a quarter's period after a dash, never in nested parentheses", () => {
    const email = renderClientReminder({
      ...base,
      kind: 'initial',
      sections: [{ title: 'Q3 documents', dueDate: '2027-01-18', link: 'https://app.test/r/ccc', items: [{ description: 'Quarter invoices', period: '2026-12', periodText: 'Q3 FY 2026-27 (Oct–Dec 2026)' }] }],
    });
    expect(email.text).toContain('  - Quarter invoices — Q3 FY 2026-27 (Oct–Dec 2026)\n');
    expect(email.html).toContain('<li>Quarter invoices — Q3 FY 2026-27 (Oct–Dec 2026)</li>');
    expect((email.text + email.html).match(/\([^()]*\(/g)).toBeNull();
  });

  it('acknowledges what arrived and says what is still open, or that nothing is', () => {
    const partial = renderAcknowledgement({ ...base, title: 'November bills', received: ['Purchase invoices'], stillOpen: ['Bank statement'] });
    expect(partial.subject).toContain('received 1 item');
    expect(partial.text).toMatch(/Still needed:\n {2}- Bank statement/);
    const done = renderAcknowledgement({ ...base, title: 'November bills', received: ['Bank statement'], stillOpen: [] });
    expect(done.text).toContain('Nothing else is needed');
  });

  it('tells staff why they are escalated to', () => {
    const email = renderEscalation({ firmName: 'Iyer & Co', clientName: 'Meridian', title: 'Bills', dueDate: '2026-12-18', reason: 'reminders_unanswered', outstanding: ['Bills'], recipientName: 'Sita' });
    expect(email.subject).toContain('please call the client');
    expect(email.text).toContain('- Bills');
    expect(email.text).toContain('(due 18-12-2026)');
    expect(email.html).toContain('(due 18-12-2026)');
  });
});

describe('client files', () => {
  it('decides the type by content, not by name or declared type', () => {
    expect(detectClientFileType(Buffer.from('%PDF-1.7\n'))).toBe('application/pdf');
    expect(detectClientFileType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(detectClientFileType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(detectClientFileType(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2]))).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(detectClientFileType(Buffer.from('invoice,date,amount\n1,2026-11-02,1000\n'))).toBe('text/csv');
    expect(detectClientFileType(Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]))).toBeNull(); // a Windows executable
    expect(detectClientFileType(Buffer.from('{"json": true}'))).toBeNull();
    expect(isClientFileType('application/pdf; charset=binary')).toBe(true);
    expect(isClientFileType('application/x-msdownload')).toBe(false);
    // Browsers' other names for the accepted types (Windows labels a .csv as an Excel file).
    expect(isClientFileType('image/jpg')).toBe(true);
    expect(isClientFileType('application/vnd.ms-excel')).toBe(true);
  });

  it('puts a request feeding a deadline two days before its target date', () => {
    expect(followUpDueDateFor('2026-12-20')).toBe('2026-12-18');
    expect(followUpDueDateFor('2027-03-01')).toBe('2027-02-27');
  });
});
