/**
 * What the console calls each resource's lists and properties, in words a firm admin reads ("Last
 * sign-in", never "Last Login At"; "Person", never "User Id"), as the dashboard and the web app say
 * them. AdminJS looks a property's label up under `resources.<id>.properties.<path>` of its locale
 * (each resource's `translations` option is merged there) and otherwise writes the property's name in
 * start case, which is how "Client Id" and "Totp Enabled" reached the screen: every property a
 * resource declares (admin/models.ts) has its words here, and tests/integration/admin/console-pages
 * fails on any the browser would write from the code. `list` is the list page's heading (beside its
 * count), which AdminJS otherwise titles "List"; an action of our own is named in `actions` too.
 */
type ResourceWords = { actions: { list: string } & Record<string, string>; properties: Record<string, string> };

export const CONSOLE_WORDS = {
  users: {
    actions: { list: 'Everyone in the firm' },
    properties: {
      id: 'Record ID',
      name: 'Name',
      email: 'Email',
      role: 'Role',
      clientId: 'Client (portal users)',
      active: 'Active',
      totpEnabled: 'Two-factor on',
      lastLoginAt: 'Last sign-in',
      createdAt: 'Added',
      label: 'Person',
    },
  },
  clients: {
    actions: { list: 'All clients' },
    properties: {
      id: 'Record ID',
      name: 'Name',
      gstin: 'GSTIN',
      email: 'Email',
      filingFrequency: 'Filing frequency',
      stateCode: 'State code',
      active: 'Active',
      createdAt: 'Added',
    },
  },
  sessions: {
    // A resource's own action is otherwise its name in start case ("Sign Out"), in the record's menu and its confirm.
    actions: { list: 'All signed-in devices', signOut: 'Sign this device out' },
    properties: {
      id: 'Record ID',
      userId: 'Person',
      deviceName: 'Device',
      ip: 'IP address',
      userAgent: 'Browser',
      createdAt: 'Signed in',
      lastSeenAt: 'Last activity',
      absoluteExpiresAt: 'Sign-in ends',
      revokedAt: 'Signed out',
      revokedReason: 'Why signed out',
    },
  },
  audit: {
    actions: { list: 'Every recorded change' },
    properties: {
      id: 'Record ID',
      seq: 'No.',
      at: 'When',
      actorId: 'Who',
      actorEmail: 'Who (email as recorded)',
      actorRole: 'Their role then',
      action: 'What happened',
      entityType: 'Kind of record',
      entityId: 'Record changed (ID)',
      before: 'Before',
      after: 'After',
      requestId: 'Request ID',
      ip: 'IP address',
      hash: 'Chain hash',
      actionLabel: 'What happened',
      actorLabel: 'Who',
      entityTypeLabel: 'Kind of record',
    },
  },
} satisfies Record<string, ResourceWords>;
