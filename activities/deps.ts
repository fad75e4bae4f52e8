// What activities are built from: real-but-local dependencies injected by the worker or a test.
import type { ProviderRegistry } from '../providers';
import type { RunStore } from '../store';

export interface ActivityDeps {
  store: RunStore;
  providers: ProviderRegistry;
  clock?: () => number;
}
