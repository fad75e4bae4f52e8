// Breaks the layering on purpose: a provider importing from activities (providers sit below
// activities). test/unit/lint-boundaries.test.ts lints this text as if it lived in providers/.
import { dedupKeyOf } from '../activities/plan/request-key';

export const key = dedupKeyOf;
