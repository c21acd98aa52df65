/** The signed-in person's notifications, each in words (web/src/lib/notifications.ts), unread ones in bold. */
import { Stack, Text } from '@mantine/core';
import type { Notification } from '../http/types';
import { formatDateTime } from '../lib/format';
import { describeNotification } from '../lib/notifications';

export function NotificationList({ items }: { items: Notification[] }) {
  return (
    <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {items.map((n) => (
        <li key={n.id}>
          <Text size="sm" fw={n.readAt ? undefined : 600}>{describeNotification(n)}</Text>
          <Text size="xs" c="dimmed">
            {formatDateTime(n.createdAt)}
          </Text>
        </li>
      ))}
    </Stack>
  );
}
