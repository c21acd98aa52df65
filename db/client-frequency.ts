/**
 * The filing frequency in force for a client's period: the one place the api, the activities and the
 * lists ask it (docs/calendar.md, "Filing frequency"). The rule itself is domain/calendar/rules.ts
 * `frequencyAt` (a change applies from a quarter's first month on; earlier periods keep the frequency
 * they were filed at); this module reads what it needs, inside the caller's tenant transaction, and
 * answers for one client or a whole page of them with one read.
 *
 * Where the answer comes from: a client's calendar profile is its `clients` row (its
 * `filing_frequency` is NOT NULL and required when the client is created) plus its dated rows in
 * `client_frequency_changes`. A client is created with a frequency and no change row, and every later
 * change writes a row and sets `filing_frequency` to the latest change's frequency
 * (db/calendar.ts `recordFrequencyChange`). So a client with no change rows files at its
 * `filing_frequency` for every period, which is what `frequencyAt` answers for an empty history; there
 * is no separate profile row whose absence needs a guess.
 *
 * The one fallback: a client id this transaction cannot see at all (another firm's, a portal user's
 * other client, or one erased after the caller read the row that names it) files monthly. No row of
 * ours says otherwise, and monthly is GST's default cadence (quarterly filing is QRMP, a scheme a
 * taxpayer opts into). The client row and its changes are read in one statement, so a client is seen
 * with all of its history or not at all, never with today's frequency standing in for a past period.
 */
import type { Knex } from 'knex';
import { frequencyAt, type ClientProfile, type FilingFrequency, type FrequencyChange } from '../domain/calendar/rules';

export type FrequencyOf = (clientId: string, period: string) => FilingFrequency;

/** What the rule needs of a client: its frequency now and its dated changes. */
export type FrequencyProfile = { id: string; profile: Pick<ClientProfile, 'filingFrequency' | 'frequencyChanges'> };

/** The frequency of a client the caller cannot see (above). */
const UNSEEN_CLIENT_FREQUENCY: FilingFrequency = 'monthly';

/** The lookup over profiles already read (db/calendar.ts `loadCalendarClients` gives them too). */
export function frequencyLookup(clients: Iterable<FrequencyProfile>): FrequencyOf {
  const profiles = new Map<string, FrequencyProfile['profile']>();
  for (const c of clients) profiles.set(c.id, c.profile);
  return (clientId, period) => {
    const profile = profiles.get(clientId);
    return profile ? frequencyAt(profile, period) : UNSEEN_CLIENT_FREQUENCY;
  };
}

type Row = { id: string; filing_frequency: FilingFrequency; changes: FrequencyChange[] };

/** The frequencies of `clientIds` (duplicates welcome; none: no read), read in the caller's transaction. */
export async function clientFrequencies(trx: Knex.Transaction, firmId: string, clientIds: Iterable<string>): Promise<FrequencyOf> {
  const ids = [...new Set(clientIds)];
  if (ids.length === 0) return frequencyLookup([]);
  const rows: Row[] = await trx('clients as c')
    .leftJoin('client_frequency_changes as f', function joinChanges() {
      this.on('f.firm_id', 'c.firm_id').andOn('f.client_id', 'c.id');
    })
    .where('c.firm_id', firmId)
    .whereIn('c.id', ids)
    .groupBy('c.id', 'c.filing_frequency')
    .select(
      'c.id',
      'c.filing_frequency',
      trx.raw(
        `coalesce(json_agg(json_build_object('fromPeriod', f.from_period, 'frequency', f.frequency, 'previousFrequency', f.previous_frequency)) filter (where f.id is not null), '[]'::json) as changes`,
      ),
    );
  return frequencyLookup(rows.map((r) => ({ id: r.id, profile: { filingFrequency: r.filing_frequency, frequencyChanges: r.changes } })));
}

/** One client's frequency for one period. */
export async function clientFrequencyAt(trx: Knex.Transaction, firmId: string, clientId: string, period: string): Promise<FilingFrequency> {
  return (await clientFrequencies(trx, firmId, [clientId]))(clientId, period);
}
