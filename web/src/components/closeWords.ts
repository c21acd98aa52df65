/** Period-close refusals in words a person understands (the API's codes stay the source). */
import { closeRefusalOf } from '../lib/close-refusal';
import { errorText } from './QueryState';

export function closeRefusal(error: unknown): { title: string; message: string } {
  return closeRefusalOf(error) ?? { title: 'That did not work', message: errorText(error) };
}
