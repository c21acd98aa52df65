/**
 * Every migration, in order. A new migration is a new file here and a line in this list; a table of
 * firm data is secured with `secureFirmTable` (./helpers/firm-table.ts, docs/security-and-tenancy.md).
 */
import type { Knex } from 'knex';
import * as m001 from './001-platform-roles-and-core-tables';
import * as m002 from './002-identity-sessions-audit';
import * as m003 from './003-row-level-security';
import * as m004 from './004-imports-and-reconciliation-runs';
import * as m005 from './005-period-close';
import * as m006 from './006-backups-catalogue';
import * as m007 from './007-reconciliation-decisions';
import * as m008 from './008-platform-role-and-sign-in-events';
import * as m009 from './009-compliance-calendar';
import * as m010 from './010-client-follow-ups';
import * as m011 from './011-data-protection';
import * as m012 from './012-gst-notices';
import * as m013 from './013-account-invitations-and-resets';
import * as m014 from './014-import-kinds-and-undo';
import * as m015 from './015-notice-documents-and-replies';
import * as m016 from './016-platform-operators';
import * as m017 from './017-mismatch-follow-ups';
import * as m018 from './018-notice-reply-relink';
import * as m019 from './019-ops-metrics';
import * as m020 from './020-retention';
import * as m021 from './021-firm-deletion';
import * as m023 from './023-supplier-chases';
import * as m024 from './024-follow-up-link-token-secret';
import * as m025 from './025-notice-close-reason';
import * as m026 from './026-close-request-abandoned';
import * as m027 from './027-calendar-extension-filing-frequency';
import * as m028 from './028-follow-up-upload-urls-index';
import * as m029 from './029-reconciliation-credit-note-index';
import * as m030 from './030-reconciliation-ignored-rows-index';
import * as m032 from './032-audit-chain-last-event-index';
import * as m035 from './035-erasure-run-token';
import * as m038 from './038-follow-up-assigned-at';
import * as m039 from './039-erasure-started-run-token';
import * as m040 from './040-import-rows-import-check';
import * as m041 from './041-client-emails-lower-case';
import * as m042 from './042-period-lock-functions-not-lent';
import * as m043 from './043-result-rows-run-check';
import * as m044 from './044-user-emails-lower-case';
import * as m045 from './045-erasure-start-failed-run-token';

export type Migration = { name: string; module: Knex.Migration };

export const migrations: Migration[] = [
  { name: '001-platform-roles-and-core-tables', module: m001 },
  { name: '002-identity-sessions-audit', module: m002 },
  { name: '003-row-level-security', module: m003 },
  { name: '004-imports-and-reconciliation-runs', module: m004 },
  { name: '005-period-close', module: m005 },
  { name: '006-backups-catalogue', module: m006 },
  { name: '007-reconciliation-decisions', module: m007 },
  { name: '008-platform-role-and-sign-in-events', module: m008 },
  { name: '009-compliance-calendar', module: m009 },
  { name: '010-client-follow-ups', module: m010 },
  { name: '011-data-protection', module: m011 },
  { name: '012-gst-notices', module: m012 },
  { name: '013-account-invitations-and-resets', module: m013 },
  { name: '014-import-kinds-and-undo', module: m014 },
  { name: '015-notice-documents-and-replies', module: m015 },
  { name: '016-platform-operators', module: m016 },
  { name: '017-mismatch-follow-ups', module: m017 },
  { name: '018-notice-reply-relink', module: m018 },
  { name: '019-ops-metrics', module: m019 },
  { name: '020-retention', module: m020 },
  { name: '021-firm-deletion', module: m021 },
  { name: '023-supplier-chases', module: m023 },
  { name: '024-follow-up-link-token-secret', module: m024 },
  { name: '025-notice-close-reason', module: m025 },
  { name: '026-close-request-abandoned', module: m026 },
  { name: '027-calendar-extension-filing-frequency', module: m027 },
  { name: '028-follow-up-upload-urls-index', module: m028 },
  { name: '029-reconciliation-credit-note-index', module: m029 },
  { name: '030-reconciliation-ignored-rows-index', module: m030 },
  { name: '032-audit-chain-last-event-index', module: m032 },
  { name: '035-erasure-run-token', module: m035 },
  { name: '038-follow-up-assigned-at', module: m038 },
  { name: '039-erasure-started-run-token', module: m039 },
  { name: '040-import-rows-import-check', module: m040 },
  { name: '041-client-emails-lower-case', module: m041 },
  { name: '042-period-lock-functions-not-lent', module: m042 },
  { name: '043-result-rows-run-check', module: m043 },
  { name: '044-user-emails-lower-case', module: m044 },
  { name: '045-erasure-start-failed-run-token', module: m045 },
];
