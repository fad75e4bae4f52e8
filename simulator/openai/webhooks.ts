// OpenAI's batch webhooks, as the real service sends them: an event `{id, object: "event", type,
// created_at, data: {id}}` POSTed to the configured URL with the Standard Webhooks headers
// (webhook-id, webhook-timestamp, webhook-signature = "v1,<base64 HMAC-SHA256 of
// `${id}.${timestamp}.${body}`>", keyed with the base64-decoded bytes after `whsec_`). That is what
// the openai SDK's `webhooks.unwrap()` checks, so a receiver tested here works against OpenAI.
// Delivery is at least once: a non-2xx answer or a failed connection is retried with doubling
// waits, a bounded number of times, under the same webhook-id (receivers dedupe on it).
import { createHmac, randomBytes } from 'node:crypto';
import { randomId } from '../core/ids';
import type { WebhookSettings } from '../core/profile';

export type BatchEndStatus = 'completed' | 'failed' | 'expired' | 'cancelled';

export interface BatchWebhookEvent {
  id: string;
  object: 'event';
  type: `batch.${BatchEndStatus}`;
  created_at: number;
  data: { id: string };
}

export interface WebhookStats {
  /** Events a receiver answered 2xx. */
  delivered: number;
  /** Attempts that got a non-2xx answer or no answer at all. */
  failedAttempts: number;
  /** Events dropped after their last attempt failed. */
  gaveUp: number;
}

/** How long one delivery attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 5_000;

/** A fresh secret shaped like OpenAI's (`whsec_` + base64 of 32 random bytes). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The webhook-signature header's value for one delivery attempt. */
export function signWebhook(secret: string, webhookId: string, timestampSec: number, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  const mac = createHmac('sha256', key).update(`${webhookId}.${timestampSec}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The headers of one delivery attempt; the timestamp is the attempt's, so a retry is signed anew. */
export function webhookHeaders(secret: string, webhookId: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, webhookId, timestamp, body),
  };
}

export function batchEvent(batchId: string, status: BatchEndStatus, atMs: number): BatchWebhookEvent {
  return {
    id: randomId('evt_', 32),
    object: 'event',
    type: `batch.${status}`,
    created_at: Math.floor(atMs / 1000),
    data: { id: batchId },
  };
}

/** Delivers events with bounded retries; stop() drops what is still queued (the server is closing). */
export class WebhookSender {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private stopped = false;
  readonly stats: WebhookStats = { delivered: 0, failedAttempts: 0, gaveUp: 0 };

  send(settings: WebhookSettings, event: BatchWebhookEvent): void {
    if (this.stopped) return;
    const body = JSON.stringify(event);
    void this.attempt(settings, randomId('wh_', 32), body, 1);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
  }

  private async attempt(settings: WebhookSettings, webhookId: string, body: string, n: number): Promise<void> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), ATTEMPT_TIMEOUT_MS);
    let ok = false;
    try {
      const res = await fetch(settings.url, {
        method: 'POST',
        headers: webhookHeaders(settings.secret, webhookId, body, Date.now()),
        body,
        signal: controller.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      ok = res.ok;
    } catch {
      ok = false; // refused, reset or timed out: the same as a non-2xx answer
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    if (ok) {
      this.stats.delivered++;
      return;
    }
    this.stats.failedAttempts++;
    if (this.stopped) return;
    if (n >= settings.attempts) {
      this.stats.gaveUp++;
      return;
    }
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.attempt(settings, webhookId, body, n + 1);
      },
      settings.retryMs * 2 ** (n - 1),
    );
    timer.unref();
    this.timers.add(timer);
  }
}
