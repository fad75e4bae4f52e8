// The budget guard's decisions, pure so they are tested on numbers alone. A run spends under up
// to three caps: its own (maxUsd), and every run's spend today and this month (dailyUsd,
// monthlyUsd, UTC). Green below yellowAt of every cap; yellow from there (the rest of the run
// goes to routing.downgradeTo when the spec names one); red when the next batch would not fit.
import type { BudgetSpec } from './spec';

export interface SpendSoFar {
  run: number;
  day: number;
  month: number;
}

export type BudgetZone = 'green' | 'yellow' | 'red';

export type SpendDecision =
  | { ok: true; zone: 'green' | 'yellow'; model: string; usd: number; message?: string }
  | { ok: false; zone: 'red'; message: string };

const CAPS = [
  { key: 'run', field: 'maxUsd', label: 'budget.maxUsd', scope: 'this run' },
  { key: 'day', field: 'dailyUsd', label: 'budget.dailyUsd', scope: 'every run today (UTC)' },
  { key: 'month', field: 'monthlyUsd', label: 'budget.monthlyUsd', scope: 'every run this month (UTC)' },
] as const;

/** Dollars as people read them: 4 decimals under $1 (batch prices are tiny), 2 from there. */
export function usd(value: number): string {
  return Number(value.toFixed(4)) < 1 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

/** The run's caps: the spec's, with maxUsd as `llmbatch budget` set it. */
export function capsOf(
  budget: BudgetSpec | undefined,
  maxUsd?: number,
): Partial<Record<'run' | 'day' | 'month', number>> {
  return {
    ...((maxUsd ?? budget?.maxUsd) !== undefined ? { run: maxUsd ?? budget?.maxUsd } : {}),
    ...(budget?.dailyUsd !== undefined ? { day: budget.dailyUsd } : {}),
    ...(budget?.monthlyUsd !== undefined ? { month: budget.monthlyUsd } : {}),
  };
}

/** Where the next batch or sync round goes, or why it must wait. */
export function decideSpend(
  spent: SpendSoFar,
  caps: Partial<Record<'run' | 'day' | 'month', number>>,
  yellowAt: number,
  next: { model: string; usd: number },
  downgrade?: { model: string; usd: number },
): SpendDecision {
  const share = (extra: number) =>
    Math.max(0, ...CAPS.map(({ key }) => (caps[key] ? (spent[key] + extra) / caps[key] : 0)));
  let choice = next;
  let zone: 'green' | 'yellow' = 'green';
  let message: string | undefined;
  if (share(next.usd) >= yellowAt) {
    zone = 'yellow';
    if (downgrade && downgrade.model !== next.model) choice = downgrade;
    const cap = CAPS.find(({ key }) => caps[key] && (spent[key] + next.usd) / caps[key] >= yellowAt)!;
    message =
      `spend reaches ${Math.round(yellowAt * 100)}% of ${cap.label} ${usd(caps[cap.key]!)} ` +
      `(${usd(spent[cap.key])} spent or reserved by ${cap.scope})` +
      (choice !== next ? `: the rest of the run goes to ${choice.model}` : '');
  }
  for (const { key, label, scope } of CAPS) {
    const cap = caps[key];
    if (cap !== undefined && spent[key] + choice.usd > cap) {
      return {
        ok: false,
        zone: 'red',
        message:
          `${label} ${usd(cap)} would be exceeded: ${usd(spent[key])} spent or reserved by ${scope}, ` +
          `and the next submission needs about ${usd(choice.usd)}`,
      };
    }
  }
  return { ok: true, zone, model: choice.model, usd: choice.usd, ...(message ? { message } : {}) };
}

/** Before anything is submitted: a run whose estimate does not fit a cap is refused (both numbers said). */
export function preflightProblem(
  estimateUsd: number,
  spent: SpendSoFar,
  caps: Partial<Record<'run' | 'day' | 'month', number>>,
): string | undefined {
  if (caps.run !== undefined && estimateUsd > caps.run) {
    return `the estimate ${usd(estimateUsd)} exceeds budget.maxUsd ${usd(caps.run)}; nothing was submitted (raise the cap, or see \`llmbatch estimate\`)`;
  }
  for (const { key, label, scope } of CAPS.slice(1)) {
    const cap = caps[key];
    if (cap !== undefined && estimateUsd > cap - spent[key]) {
      return (
        `the estimate ${usd(estimateUsd)} exceeds what is left of ${label} ${usd(cap)}: ` +
        `${usd(Math.max(0, cap - spent[key]))} (${usd(spent[key])} spent by ${scope}); nothing was submitted`
      );
    }
  }
  return undefined;
}
