/** `npm run ops:reencrypt-secrets`: moves every stored secret under SECRET_KEY_CURRENT (see docs/security-and-tenancy.md, "Keys"). */
import { createKnex } from '../db/knex';
import { reencryptAllSecrets } from '../db/reencrypt-secrets';
import { parseSecretKeys, SecretBox } from '../db/security/secret-box';
import { loadOpsConfigOrExit } from './ops-config';

async function main(): Promise<void> {
  const config = loadOpsConfigOrExit({ database: true, temporal: false, keys: true });
  const box = new SecretBox(parseSecretKeys(config.auth.secretKeys!, config.auth.secretKeyCurrent!));
  const knex = createKnex({ url: config.database.url!, appRole: config.database.appRole, poolMax: 1, applicationName: 'taalmel-reencrypt' });
  try {
    const report = await reencryptAllSecrets(knex, box);
    process.stdout.write(`${JSON.stringify({ currentKey: box.currentKeyId, ...report })}\n`);
  } finally {
    await knex.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
