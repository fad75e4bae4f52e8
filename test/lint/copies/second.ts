// The other half of the planted copy.
export function second(values: number[]): number {
  let total = 0;
  for (const value of values) {
    if (value > 10) total += value * 2;
    else if (value > 5) total += value + 3;
    else total -= value;
  }
  return total;
}
