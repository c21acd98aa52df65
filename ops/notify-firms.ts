/**
 * `npm run ops:notify-firms -- --subject "…" --file notice.md [--dry-run]`: tells every firm admin
 * of every firm about a material incident, in the app and by email (ops/incident-notice.ts), and
 * records it in the platform audit chain. Running it again with the same subject and text resumes
 * (retries refused emails) and never sends anyone the same notice twice. See docs/incident-response.md.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createKnex } from '../db/knex';
import { incidentAudience, incidentIdFor, notifyFirmsOfIncident } from './incident-notice';
import { loadOpsConfigOrExit } from './ops-config';

const USAGE = 'usage: npm run ops:notify-firms -- --subject "What happened, in a line" --file notice.md [--dry-run]';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { subject: { type: 'string' }, file: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } } });
  const subject = values.subject?.trim();
  if (!subject || !values.file) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  if (!fs.existsSync(values.file)) {
    process.stderr.write(`${values.file}: no such file\n${USAGE}\n`);
    return 66;
  }
  const body = fs.readFileSync(values.file, 'utf8').trim();
  if (!body) {
    process.stderr.write(`${values.file} is empty: the notice needs its text\n`);
    return 65;
  }
  const config = loadOpsConfigOrExit({ database: true, temporal: false, mail: true });
  const notice = { incidentId: incidentIdFor(subject, body), subject, body };
  const knex = createKnex({ url: config.database.url!, appRole: config.database.appRole, poolMax: 2, applicationName: 'taalmel-notify-firms' });
  try {
    if (values['dry-run']) {
      const audience = await incidentAudience(knex);
      process.stdout.write(`dry run: incident ${notice.incidentId} would go to ${audience.admins} firm admin(s) of ${audience.firms} firm(s); nothing sent\n`);
      return 0;
    }
    process.stdout.write(`notifying every firm admin of incident ${notice.incidentId}: "${subject}"\n`);
    const report = await notifyFirmsOfIncident(knex, { smtpUrl: config.mail.smtpUrl!, from: config.mail.from }, notice, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(`${JSON.stringify(report)}\n`);
    if (report.failed > 0) {
      process.stderr.write(`${report.failed} email(s) failed: fix the mail server and run the same command again (it retries only those)\n`);
      return 1;
    }
    return 0;
  } finally {
    await knex.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`notify-firms FAILED: ${error.message}\n`);
    process.exit(1);
  },
);
