// A planted import circle (test/unit/lint-boundaries.test.ts): lint:cycles must find it.
import { b } from './b';

export const a = () => b;
