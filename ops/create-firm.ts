/**
 * `npm run ops:create-firm -- --name "Mehta & Co" --admin-email partner@mehta.example [--admin-name "…"] [--json]`
 * Onboards a firm and its first firm admin with a random initial password, printed once.
 * Connects to DATABASE_URL (or the running `npm start` stack's database) as the application role; audited as a system action.
 */
import { parseArgs } from 'node:util';
import { onboardFirm } from '../db/firms';
import { createKnex } from '../db/knex';
import { randomPassword } from '../db/seeds/demo-firm';
import { loadOpsConfigOrExit } from './ops-config';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { name: { type: 'string' }, 'admin-email': { type: 'string' }, 'admin-name': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const name = values.name?.trim();
  const adminEmail = values['admin-email']?.trim();
  if (!name || !adminEmail || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(adminEmail)) {
    process.stderr.write('usage: npm run ops:create-firm -- --name "Firm name" --admin-email admin@firm.example [--admin-name "Name"] [--json]\n');
    return 64;
  }
  const config = loadOpsConfigOrExit({ database: true, temporal: false });
  const knex = createKnex({ url: config.database.url!, appRole: config.database.appRole, poolMax: 1, applicationName: 'taalmel-create-firm' });
  try {
    const password = randomPassword();
    const firm = await onboardFirm(knex, { name, adminEmail, adminName: values['admin-name'] ?? 'Firm admin', password });
    if (values.json) process.stdout.write(`${JSON.stringify({ firmId: firm.firmId, adminEmail: firm.adminEmail, password })}\n`);
    else process.stdout.write(`Firm "${name}" created (${firm.firmId}).\nFirm admin: ${firm.adminEmail}\nInitial password (shown once): ${password}\n`);
    return 0;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      process.stderr.write(`A user with the email ${adminEmail} already exists.\n`);
      return 1;
    }
    throw error;
  } finally {
    await knex.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
