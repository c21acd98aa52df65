import { Button, Card } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../http/client';
import { keys, useNotifications } from '../http/queries';
import { notifyError } from '../lib/notify';
import { NotificationList } from '../components/NotificationList';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';

export default function NotificationsPage() {
  const notifications = useNotifications(100);
  const queryClient = useQueryClient();
  const unread = notifications.data?.items.some((n) => !n.readAt) ?? false;
  const markAllRead = () => void api.post('/api/notifications/read').then(() => queryClient.invalidateQueries({ queryKey: keys.notifications }), (error: unknown) => notifyError(error));
  return (
    <>
      <PageHeader
        title="Notifications"
        subtitle="Sign-ins from new places and other things you should know."
        actions={unread ? <Button variant="light" size="xs" onClick={markAllRead}>Mark all read</Button> : undefined}
      />
      <Card withBorder>
        <QueryState query={notifications} label="notifications" isEmpty={(d) => d.items.length === 0} empty="No notifications.">
          {(d) => <NotificationList items={d.items} />}
        </QueryState>
      </Card>
    </>
  );
}
