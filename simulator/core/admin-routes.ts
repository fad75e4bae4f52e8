// The simulator's own API under /_sim: read the ledger, swap the profile, reset. Never faulted,
// so a test can always inspect and steer the simulator in the middle of an outage.
import { invalidRequest } from './errors';
import { readJson } from './http-util';
import { ProfileError } from './profile';
import type { Reply, Route, RouteContext } from './routes-types';

async function health({ state }: RouteContext): Promise<Reply> {
  const now = state.now();
  return {
    status: 200,
    json: {
      status: 'ok',
      uptimeMs: now - state.startedAtMs,
      sinceEpochMs: now - state.epochMs,
      // Batches of either API still running: a test or script waits for 0 without touching the fault streams.
      pendingBatches: state.batches.pending(now) + state.messageBatches.pending(now),
    },
  };
}

async function ledger({ state }: RouteContext): Promise<Reply> {
  return { status: 200, json: state.ledgerNow() };
}

async function getProfile({ state }: RouteContext): Promise<Reply> {
  return { status: 200, json: state.profile };
}

async function putProfile({ req, state }: RouteContext): Promise<Reply> {
  const body = await readJson(req);
  try {
    return { status: 200, json: state.setProfile(body) };
  } catch (err) {
    if (err instanceof ProfileError) throw invalidRequest(err.message, 'profile', 'invalid_profile');
    throw err;
  }
}

async function reset({ state }: RouteContext): Promise<Reply> {
  state.reset();
  return { status: 200, json: { status: 'ok' } };
}

export const adminRoutes: Route[] = [
  { method: 'GET', pattern: /^\/_sim\/health$/, handle: health },
  { method: 'GET', pattern: /^\/_sim\/ledger$/, handle: ledger },
  { method: 'GET', pattern: /^\/_sim\/profile$/, handle: getProfile },
  { method: 'PUT', pattern: /^\/_sim\/profile$/, handle: putProfile },
  { method: 'POST', pattern: /^\/_sim\/reset$/, handle: reset },
];
