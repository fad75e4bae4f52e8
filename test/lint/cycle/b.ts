// The other half of the planted circle.
import { a } from './a';

export const b = () => a;
