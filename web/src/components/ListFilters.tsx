/**
 * The filter bar of a list page (follow-ups, notices): the client and a status, both kept in the
 * URL (`clientId` and the page's own key) so a filtered view survives a reload and can be shared.
 * The page reads the same parameters with `useListFilters`.
 */
import { Group, Select } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { useClients } from '../http/queries';

export function useListFilters(stateKey: string): { clientId: string | undefined; state: string | undefined } {
  const [params] = useSearchParams();
  return { clientId: params.get('clientId') ?? undefined, state: params.get(stateKey) ?? undefined };
}

type Props = {
  /** The URL parameter (and API filter) of the status select. */
  stateKey: string;
  stateLabel: string;
  statePlaceholder: string;
  states: Array<{ value: string; label: string }>;
  /** A client user has one client: no client select. */
  showClient?: boolean;
};

export function ListFilters({ stateKey, stateLabel, statePlaceholder, states, showClient = true }: Props) {
  const clients = useClients();
  const [params, setParams] = useSearchParams();
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return (
    <Group mb="sm">
      {showClient ? (
        <Select label="Client" placeholder="All clients" clearable searchable data={(clients.data ?? []).map((c) => ({ value: c.id, label: c.name }))} value={params.get('clientId')} onChange={(v) => set('clientId', v)} />
      ) : null}
      <Select label={stateLabel} placeholder={statePlaceholder} clearable data={states} value={params.get(stateKey)} onChange={(v) => set(stateKey, v)} />
    </Group>
  );
}
