/**
 * The console's home page for firm admins (AdminJS bundles this file; admin/dashboard.ts registers
 * it): the firm's people with their last sign-in and live devices, recent security events, pending
 * approvals and invitations, and the last verified backup. Data comes from the dashboard handler
 * (db/console-dashboard.ts); people are shown by name and email, never by id, and roles and events
 * in words (its `roleLabel` and `actionLabel`: the web app's names), never their codes.
 */
import React, { useEffect, useState } from 'react';
import { ApiClient } from 'adminjs';

import { istTime } from './ist-time.js';

const api = new ApiClient();
// Times as every page of the console writes them (./ist-time.js): DD-MM-YYYY HH:mm IST.
const when = (iso) => istTime(iso) || 'never';
const person = (p) => (!p ? '' : typeof p === 'string' ? p : `${p.name} <${p.email}>`);

const cell = { padding: '6px 10px', borderBottom: '1px solid #e5e8ee', textAlign: 'left', verticalAlign: 'top' };

function Section({ title, testId, children }) {
  return React.createElement(
    'section',
    { 'data-testid': testId, style: { background: '#fff', borderRadius: 8, padding: 20, marginBottom: 20, boxShadow: '0 1px 3px #0001' } },
    React.createElement('h2', { style: { fontSize: 18, marginBottom: 12 } }, title),
    children,
  );
}

function Table({ head, rows, empty }) {
  if (rows.length === 0) return React.createElement('p', null, empty);
  return React.createElement(
    'table',
    { style: { borderCollapse: 'collapse', width: '100%' } },
    React.createElement('thead', null, React.createElement('tr', null, head.map((h) => React.createElement('th', { key: h, style: cell }, h)))),
    React.createElement('tbody', null, rows.map((r, i) => React.createElement('tr', { key: i }, r.map((v, j) => React.createElement('td', { key: j, style: cell }, v))))),
  );
}

export default function Dashboard() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api.getDashboard().then((res) => setData(res.data)).catch(() => setError('The dashboard could not be loaded.'));
  }, []);
  if (error) return React.createElement('p', { role: 'alert', style: { padding: 24 } }, error);
  if (!data) return React.createElement('p', { style: { padding: 24 } }, 'Loading…');
  const backup = data.lastVerifiedBackup;
  return React.createElement(
    'div',
    { style: { padding: 24 }, 'data-testid': 'taalmel-dashboard' },
    React.createElement('h1', { style: { fontSize: 24, marginBottom: 20 } }, 'Your firm'),
    React.createElement(
      Section,
      { title: 'People and their devices', testId: 'people' },
      React.createElement(Table, {
        head: ['Name', 'Email', 'Role', 'Last sign-in', 'Signed-in devices'],
        empty: 'No users yet.',
        rows: data.users.map((u) => [
          u.active ? u.name : `${u.name} (inactive)`,
          u.email,
          u.roleLabel,
          when(u.lastLoginAt),
          u.devices.length === 0 ? 'none' : u.devices.map((d) => `${d.deviceName}${d.ip ? ` (${d.ip})` : ''}, seen ${when(d.lastSeenAt)}`).join('; '),
        ]),
      }),
    ),
    React.createElement(
      Section,
      { title: 'Recent security events', testId: 'security-events' },
      React.createElement(Table, { head: ['When', 'What', 'By', 'About'], empty: 'Nothing yet.', rows: data.securityEvents.map((e) => [when(e.at), e.actionLabel, person(e.actor), person(e.subject)]) }),
    ),
    React.createElement(
      Section,
      { title: 'Waiting for approval', testId: 'approvals' },
      React.createElement(Table, { head: ['Client', 'Period', 'Asked by', 'Since'], empty: 'Nothing is waiting.', rows: data.pendingApprovals.map((a) => [a.client, a.period, person(a.requestedBy), when(a.requestedAt)]) }),
    ),
    React.createElement(
      Section,
      { title: 'Pending invitations', testId: 'invitations' },
      React.createElement(Table, { head: ['Name', 'Email', 'Role', 'Link valid until'], empty: 'No pending invitations.', rows: data.pendingInvitations.map((i) => [i.name, i.email, i.roleLabel, when(i.expiresAt)]) }),
    ),
    React.createElement(
      Section,
      { title: 'Last verified backup', testId: 'backup' },
      React.createElement('p', null, backup ? `Backup of ${when(backup.createdAt)}, restore drill passed ${when(backup.verifiedAt)}.` : 'No backup has been verified by a restore drill yet.'),
    ),
  );
}
