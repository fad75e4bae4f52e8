// What activities are built from: real-but-local dependencies injected by the worker or a test.
import type { ProviderRegistry } from '../providers';
import type { RunStore } from '../store';

export interface ActivityDeps {
  store: RunStore;
  providers: ProviderRegistry;
  clock?: () => number;
  /**
   * True once the worker is shutting down (SIGTERM): long activities stop taking new work, finish
   * what is in flight and hand the rest back to Temporal for another worker.
   */
  draining?: () => boolean;
}
