// The activities a chunk calls, proxied once per profile. The per-chunk proxies (polls, the wait for
// a batch slot) are made from the spec the chunk started with, in createChunkState.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  alertProfile,
  bookkeepingProfile,
  collectProfile,
  ioProfile,
  providerCallProfile,
  syncCallProfile,
  webhookLookProfile,
} from '../activity-profiles';

export const io = proxyActivities<Activities>(ioProfile);
export const calls = proxyActivities<Activities>(providerCallProfile);
export const collecting = proxyActivities<Activities>(collectProfile);
export const syncCalls = proxyActivities<Activities>(syncCallProfile);
export const { sendAlert } = proxyActivities<Activities>(alertProfile);
export const lookNow = proxyLocalActivities<Activities>(webhookLookProfile);
export const books = proxyLocalActivities<Activities>(bookkeepingProfile);

/** A provider batch as a poll or a look answers it. */
export type Batch = Awaited<ReturnType<Activities['pollBatch']>>;
