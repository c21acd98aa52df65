import { notifications } from '@mantine/notifications';
import { errorText } from '../components/QueryState';

export const notifyDone = (message: string) => notifications.show({ color: 'green', message, autoClose: 4000 });
export const notifyError = (error: unknown, title = 'That did not work') => notifications.show({ color: 'red', title, message: errorText(error), autoClose: 8000 });
