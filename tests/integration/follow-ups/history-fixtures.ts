/** The follow-up workflow's committed replay histories recorded by the follow-up tests, and the patches a history took. */
import path from 'node:path';
import type { temporal } from '@temporalio/proto';

/** A nudge merged into a message still going out, which then failed (recorded by nudge-merge-fails.test.ts). */
export const NUDGE_MERGE_FIXTURE = path.resolve(__dirname, '../../fixtures/histories/follow-up-nudge-merge-followed.json');

/** The ids of the patches a history recorded (its `core_patch` markers, written by the SDK, never sealed). */
export function patchMarkers(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
}
