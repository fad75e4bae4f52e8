// What the simulator billed. Tests and benchmarks compare it with the pipeline's own accounting
// to prove that nothing was billed twice: `doubleBilled` counts a request body billed again after
// an earlier, uncorrupted answer to the same body had already been billed (re-asking after a
// corrupted answer is legitimate, re-asking after a good one is waste).
import { costUsd, type PriceMode } from '../common/pricing';

export interface LedgerTotals {
  requestsBilled: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface Ledger extends LedgerTotals {
  batchesCreated: number;
  doubleBilled: number;
  byModel: Record<string, LedgerTotals>;
  byMode: Record<PriceMode, LedgerTotals>;
}

export interface BillableRequest {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** requestHash() of the canonical body. */
  bodyHash: string;
  corrupted: boolean;
}

function emptyTotals(): LedgerTotals {
  return { requestsBilled: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
}

function add(t: LedgerTotals, inputTokens: number, outputTokens: number, cost: number): void {
  t.requestsBilled += 1;
  t.inputTokens += inputTokens;
  t.outputTokens += outputTokens;
  t.costUsd += cost;
}

export class LedgerBook {
  private batchesCreated = 0;
  private doubleBilled = 0;
  private readonly totals = emptyTotals();
  private readonly byModel = new Map<string, LedgerTotals>();
  private readonly byMode: Record<PriceMode, LedgerTotals> = { batch: emptyTotals(), sync: emptyTotals() };
  /** Hashes of bodies that already got a billed, uncorrupted answer. */
  private readonly answered = new Set<string>();

  countBatchCreated(): void {
    this.batchesCreated += 1;
  }

  bill(mode: PriceMode, req: BillableRequest): void {
    const cost = costUsd(req.model, mode, req.inputTokens, req.outputTokens);
    add(this.totals, req.inputTokens, req.outputTokens, cost);
    add(this.byMode[mode], req.inputTokens, req.outputTokens, cost);
    let perModel = this.byModel.get(req.model);
    if (!perModel) this.byModel.set(req.model, (perModel = emptyTotals()));
    add(perModel, req.inputTokens, req.outputTokens, cost);
    if (this.answered.has(req.bodyHash)) this.doubleBilled += 1;
    else if (!req.corrupted) this.answered.add(req.bodyHash);
  }

  snapshot(): Ledger {
    return {
      batchesCreated: this.batchesCreated,
      ...this.totals,
      costUsd: roundUsd(this.totals.costUsd),
      doubleBilled: this.doubleBilled,
      byModel: Object.fromEntries(
        [...this.byModel].map(([model, t]) => [model, { ...t, costUsd: roundUsd(t.costUsd) }]),
      ),
      byMode: {
        batch: { ...this.byMode.batch, costUsd: roundUsd(this.byMode.batch.costUsd) },
        sync: { ...this.byMode.sync, costUsd: roundUsd(this.byMode.sync.costUsd) },
      },
    };
  }
}

/** Sums of tiny per-request costs drift in the last bits; 1e-9 USD is far below any price. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}
