/**
 * `npm run ops:create-operator -- --email ops@example.com [--name "…"] [--json]` makes a platform
 * operator (the only identity the payload codec endpoint accepts) and prints its token once;
 * `npm run ops:revoke-operator -- --email ops@example.com` revokes it. Both connect to DATABASE_URL
 * (or, when it is unset, the running `npm start` stack's database) as the database owner and are
 * audited in the platform chain.
 */
import { parseArgs } from 'node:util';
import { createKnex } from '../db/knex';
import { createPlatformOperator, revokePlatformOperator } from '../db/platform-operators';
import { loadOpsConfigOrExit } from './ops-config';

const USAGE = 'usage: npm run ops:create-operator -- --email ops@example.com [--name "Name"] [--json]\n       npm run ops:revoke-operator -- --email ops@example.com\n';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { email: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const action = positionals[0];
  const email = values.email?.trim();
  if ((action !== 'create' && action !== 'revoke') || !email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    process.stderr.write(USAGE);
    return 64;
  }
  const config = loadOpsConfigOrExit({ database: true, temporal: false });
  const owner = createKnex({ url: config.database.url!, poolMax: 1, applicationName: 'taalmel-operators' });
  try {
    if (action === 'revoke') {
      const revoked = await revokePlatformOperator(owner, email);
      process.stdout.write(`${revoked} token(s) of ${email} revoked.\n`);
      return revoked > 0 ? 0 : 1;
    }
    const operator = await createPlatformOperator(owner, { email, name: values.name ?? email });
    if (values.json) process.stdout.write(`${JSON.stringify({ operatorId: operator.id, email: operator.email, token: operator.token })}\n`);
    else process.stdout.write(`Platform operator ${operator.email} created (${operator.id}).\nCodec token (shown once): ${operator.token}\n`);
    return 0;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      process.stderr.write(`${email} already has an active token: revoke it first.\n`);
      return 1;
    }
    throw error;
  } finally {
    await owner.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
