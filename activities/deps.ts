// What activities are built from: real-but-local dependencies injected by the worker or a test.
import type { ProviderRegistry } from '../providers';
import type { ResolvedSpec } from '../common';
import type { RunStore } from '../store';
import type { RunMetrics } from './alerts/metrics';
import type { SyncPacer } from './sync/sync-pacer';

export interface ActivityDeps {
  store: RunStore;
  providers: ProviderRegistry;
  clock?: () => number;
  /**
   * True once the worker is shutting down (SIGTERM): long activities stop taking new work, finish
   * what is in flight and hand the rest back to Temporal for another worker.
   */
  draining?: () => boolean;
  /**
   * The pacer a sync round's calls to `model` go through under the spec's rpm / tpm. Default: the
   * store's, shared by every round, run and worker (sync-pacer.ts); tests put their own here.
   */
  syncPacer?: (spec: ResolvedSpec, model: string) => SyncPacer;
  /** Where activities count what they do, for the worker's Prometheus endpoint; none: not counted. */
  metrics?: RunMetrics;
  /** The Web UI page of a workflow id, for the links on report.html; none: the page has no links. */
  webUiLink?: (workflowId: string) => string;
}
