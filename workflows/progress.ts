// The progress query, apart so the CLI can import it without the workflow code.
import { defineQuery } from '@temporalio/workflow';
import type { RunProgress } from '../common';

export const progressQuery = defineQuery<RunProgress>('progress');
