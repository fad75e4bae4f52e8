// A planted copy (test/unit/lint-boundaries.test.ts): lint:copies must find it.
export function first(values: number[]): number {
  let total = 0;
  for (const value of values) {
    if (value > 10) total += value * 2;
    else if (value > 5) total += value + 3;
    else total -= value;
  }
  return total;
}
