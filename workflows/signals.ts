// Signals between a run's workflows, defined apart so the parent and the chunk both import them
// without importing each other.
import { defineSignal } from '@temporalio/workflow';

/** A chunk tells its parent that it waits for a refused API key to work again (or no longer does). */
export const chunkWaitingSignal = defineSignal<[{ chunk: number; waiting: boolean; reason: string }]>('chunkWaiting');
