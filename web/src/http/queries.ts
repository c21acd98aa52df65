/** Server state the pages share: one query key and fetcher per resource. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { awaitsCloseWindow, CLOSE_WINDOW_RECHECK_MS, type CloseWindow } from '../lib/close-window';
import { api, qs } from './client';
import type { ApprovalItem, Client, FirmPeriod, FirmUser, FollowUp, FollowUpSummary, ImportRecord, Notice, NoticeDetail, NoticeForm, Notification, Page, PeriodDetail, PeriodState, PeriodView, Run } from './types';

/** With `period` (the firm-wide view) each line also carries the client's GSTIN and its ITC at risk. */
/** `periodLabel`: the run's period as the periods list names it (GET /api/reconciliations). */
export type RunListItem = Run & { periodLabel: string; clientName: string; clientGstin?: string; itcAtRisk?: number | null };

export const keys = {
  clients: ['clients'] as const,
  client: (id: string) => ['clients', id] as const,
  periods: (clientId: string) => ['clients', clientId, 'periods'] as const,
  firmPeriods: ['periods'] as const,
  period: (clientId: string, period: string) => ['clients', clientId, 'periods', period] as const,
  imports: (clientId: string) => ['clients', clientId, 'imports'] as const,
  runs: (filters: Record<string, string | undefined>) => ['runs', filters] as const,
  run: (runId: string) => ['run', runId] as const,
  approvals: ['approvals'] as const,
  notifications: ['notifications'] as const,
  followUps: ['follow-ups'] as const,
  followUp: (id: string) => ['follow-ups', id] as const,
  notices: ['notices'] as const,
  notice: (id: string) => ['notices', id] as const,
  users: ['users'] as const,
};

/** Clients are few per firm (hundreds): the app loads them all, page by page, and searches locally. */
export function useClients() {
  return useQuery({
    queryKey: keys.clients,
    queryFn: async () => {
      const all: Client[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<Client> = await api.get(`/api/clients${qs({ limit: 500, cursor })}`);
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    },
  });
}

export const useClient = (id: string) => useQuery({ queryKey: keys.client(id), enabled: Boolean(id), queryFn: () => api.get<Client>(`/api/clients/${id}`) });

export const usePeriods = (clientId: string) =>
  useQuery({ queryKey: keys.periods(clientId), queryFn: () => api.get<Page<PeriodView>>(`/api/clients/${clientId}/periods?limit=100`) });

/**
 * Whether a period's close can be asked turns at midnight IST, on the server's clock (`closable`):
 * a page showing a period that waits for it asks again when it is shown again ('always': freshness
 * is judged on the browser's clock, which may be wrong) and every few minutes while visible.
 */
function closeWindowRefresh<T>(shown: (data: T) => Array<CloseWindow & { state: PeriodState }>) {
  return {
    refetchOnWindowFocus: 'always' as const,
    refetchInterval: (q: { state: { data?: T } }) => (q.state.data !== undefined && awaitsCloseWindow(shown(q.state.data)) ? CLOSE_WINDOW_RECHECK_MS : false),
  };
}

export const usePeriod = (clientId: string, period: string, enabled = true) =>
  useQuery({ queryKey: keys.period(clientId, period), enabled, queryFn: () => api.get<PeriodDetail>(`/api/clients/${clientId}/periods/${period}`), ...closeWindowRefresh<PeriodDetail>((d) => [d]) });

export const useImports = (clientId: string) =>
  useQuery({ queryKey: keys.imports(clientId), queryFn: () => api.get<Page<ImportRecord>>(`/api/clients/${clientId}/imports?limit=100`) });

/** Runs; while any listed run is in flight the list refreshes itself every two seconds. */
export function useRuns(filters: { clientId?: string; period?: string; status?: string; mine?: string; limit?: string }) {
  return useQuery({
    queryKey: keys.runs(filters),
    // With `period`, `inQuarter`: the quarterly filers for whom that month is no period of their own.
    queryFn: () => api.get<Page<RunListItem> & { inQuarter?: Array<{ clientId: string; clientName: string; quarterEnd: string }> }>(`/api/reconciliations${qs({ limit: 50, ...filters })}`),
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === 'queued' || r.status === 'running') ? 2000 : false),
  });
}

/** The firm's periods in the given states, newest first (GET /api/periods); a client user gets their own. */
export const useFirmPeriods = (states: PeriodState[], limit = 8) =>
  useQuery({ queryKey: [...keys.firmPeriods, states, limit], queryFn: () => api.get<Page<FirmPeriod>>(`/api/periods${qs({ state: states.join(','), limit })}`), ...closeWindowRefresh<Page<FirmPeriod>>((d) => d.items) });

export const useApprovals = (enabled = true) =>
  useQuery({ queryKey: keys.approvals, queryFn: () => api.get<Page<ApprovalItem>>('/api/approvals?limit=100'), enabled });

export const useNotifications = (limit = 50) =>
  useQuery({ queryKey: [...keys.notifications, limit], queryFn: () => api.get<Page<Notification>>(`/api/notifications?limit=${limit}`) });

export const useFollowUps = (filters: { clientId?: string; status?: string }) =>
  useQuery({ queryKey: [...keys.followUps, filters], queryFn: () => api.get<Page<FollowUpSummary>>(`/api/follow-ups${qs({ limit: 200, ...filters })}`) });

/** A live follow-up refreshes itself so a send or an upload shows up without a reload. */
export const useFollowUp = (id: string) =>
  useQuery({
    queryKey: keys.followUp(id),
    queryFn: () => api.get<FollowUp>(`/api/follow-ups/${id}`),
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'open' || q.state.data.status === 'snoozed') ? 5000 : false),
  });

/** Notices a page at a time, most urgent first; `fetchNextPage` follows the API's `nextCursor` ("Load more"). */
export const NOTICE_PAGE_SIZE = 50;
export const useNotices = (filters: { clientId?: string; state?: string }) =>
  useInfiniteQuery({
    queryKey: [...keys.notices, filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => api.get<Page<Notice>>(`/api/notices${qs({ limit: NOTICE_PAGE_SIZE, ...filters, cursor: pageParam })}`),
    getNextPageParam: (last) => last.nextCursor,
  });

export const useNotice = (id: string) => useQuery({ queryKey: keys.notice(id), queryFn: () => api.get<NoticeDetail>(`/api/notices/${id}`) });

export const useNoticeForms = () => useQuery({ queryKey: ['notice-forms'], staleTime: Infinity, queryFn: () => api.get<{ items: NoticeForm[] }>('/api/notice-forms') });

/** The firm's people (managers and firm admins may list them): names for owners and assignees. */
export const useUsers = (enabled: boolean) =>
  useQuery({ queryKey: keys.users, enabled, queryFn: () => api.get<Page<FirmUser>>('/api/users?limit=500') });
