import { Card } from '@mantine/core';
import { useNotifications } from '../http/queries';
import { NotificationList } from '../components/NotificationList';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';

export default function NotificationsPage() {
  const notifications = useNotifications(100);
  return (
    <>
      <PageHeader title="Notifications" subtitle="Sign-ins from new places and other things you should know." />
      <Card withBorder>
        <QueryState query={notifications} label="notifications" isEmpty={(d) => d.items.length === 0} empty="No notifications.">
          {(d) => <NotificationList items={d.items} />}
        </QueryState>
      </Card>
    </>
  );
}
