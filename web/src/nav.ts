/**
 * The app's pages in one table: path, page module (loaded on demand, so the first page stays
 * small), who sees it, and whether it appears in the side navigation. A new page (calendar,
 * follow-ups, notices) is one entry here and one file in pages/.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import { CAN } from './http/session';
import type { Role } from './http/types';

export type PageRoute = {
  path: string;
  page: LazyExoticComponent<ComponentType>;
  /** Who sees it: everyone, or the roles a rule of `CAN` (http/can.ts) allows. */
  roles: ((role: Role) => boolean) | 'all';
  /** Shown in the navigation with this label (client users see `clientLabel` when given). */
  nav?: { label: string; clientLabel?: string; section: 'work' | 'firm' | 'me' };
};

export const PAGES: PageRoute[] = [
  { path: '/', page: lazy(() => import('./pages/HomePage')), roles: 'all', nav: { label: 'Home', section: 'work' } },
  { path: '/clients', page: lazy(() => import('./pages/ClientsPage')), roles: 'all', nav: { label: 'Clients', clientLabel: 'My business', section: 'work' } },
  { path: '/clients/:clientId', page: lazy(() => import('./pages/ClientPage')), roles: 'all' },
  { path: '/clients/:clientId/reconcile', page: lazy(() => import('./pages/ReconcilePage')), roles: CAN.prepare },
  { path: '/clients/:clientId/periods/:period', page: lazy(() => import('./pages/PeriodPage')), roles: 'all' },
  { path: '/reconciliations', page: lazy(() => import('./pages/RunsPage')), roles: CAN.isFirmStaff, nav: { label: 'Reconciliations', section: 'work' } },
  { path: '/firm-view', page: lazy(() => import('./pages/FirmViewPage')), roles: CAN.isFirmStaff, nav: { label: 'Firm-wide view', section: 'work' } },
  { path: '/reconciliations/:runId', page: lazy(() => import('./pages/RunPage')), roles: 'all' },
  { path: '/calendar', page: lazy(() => import('./pages/CalendarPage')), roles: 'all', nav: { label: 'Calendar', section: 'work' } },
  { path: '/follow-ups', page: lazy(() => import('./pages/FollowUpsPage')), roles: CAN.isFirmStaff, nav: { label: 'Follow-ups', section: 'work' } },
  { path: '/follow-ups/:followUpId', page: lazy(() => import('./pages/FollowUpPage')), roles: CAN.isFirmStaff },
  { path: '/notices', page: lazy(() => import('./pages/NoticesPage')), roles: 'all', nav: { label: 'Notices', section: 'work' } },
  { path: '/notices/:noticeId', page: lazy(() => import('./pages/NoticePage')), roles: 'all' },
  { path: '/clients/:clientId/data', page: lazy(() => import('./pages/ClientDataPage')), roles: CAN.clientData },
  { path: '/approvals', page: lazy(() => import('./pages/ApprovalsPage')), roles: CAN.approve, nav: { label: 'Approvals', section: 'work' } },
  { path: '/notifications', page: lazy(() => import('./pages/NotificationsPage')), roles: 'all', nav: { label: 'Notifications', section: 'me' } },
  { path: '/account', page: lazy(() => import('./pages/AccountPage')), roles: 'all', nav: { label: 'My account & devices', section: 'me' } },
  { path: '/settings', page: lazy(() => import('./pages/SettingsPage')), roles: CAN.readUsers, nav: { label: 'Firm & users', section: 'firm' } },
];

export function allowed(route: PageRoute, role: Role): boolean {
  return route.roles === 'all' || route.roles(role);
}
