// What activities are built from: real-but-local dependencies injected by the worker or a test.
import type { ProviderRegistry } from '../providers';
import type { ResolvedSpec } from '../common';
import type { RunStore } from '../store';
import type { SyncPacer } from './sync-pacer';

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
   * The pacer a sync round's calls go through under the spec's rpm / tpm. Default: one of the round's
   * own (sync-pacer.ts); a pacer shared across rounds, runs and workers (DESIGN.md rule 7) goes here.
   */
  syncPacer?: (spec: ResolvedSpec) => SyncPacer;
}
