// What the simulator billed. Tests and benchmarks compare it with the pipeline's own accounting
// to prove that nothing was billed twice: `doubleBilled` counts a request body billed again after
// an earlier, uncorrupted answer to the same body had already been billed (re-asking after a
// corrupted answer is legitimate, re-asking after a good one is waste). A sync answer whose
// response was lost (http.lostResponseRate) never reached the client, so it counts as not good.
// Anthropic's prompt-cache writes and reads are counted apart from inputTokens, as its usage
// reports them, and billed at their own multiples of the input price (common/usage-cost.ts).
import type { PriceMode } from '../../common/pricing';
import { tokensCostUsd, usageCostUsd } from '../../common/usage-cost';
import { SyncTraffic, type SyncTrafficSnapshot } from './sync-traffic';

export interface LedgerTotals {
  requestsBilled: number;
  /** Prompt tokens billed at the input price (cache writes and reads not included). */
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens written to Anthropic's prompt cache (billed at 1.25x the input price). */
  cacheWriteTokens: number;
  /** Prompt tokens read from Anthropic's prompt cache (billed at 0.1x the input price). */
  cacheReadTokens: number;
  costUsd: number;
}

/** Who the request was billed as: the path family it came in on. */
export type Provider = 'openai' | 'azure' | 'anthropic' | 'gemini' | 'vertex' | 'bedrock';

export interface ProviderTotals extends LedgerTotals {
  byModel: Record<string, LedgerTotals>;
}

export interface Ledger extends LedgerTotals {
  batchesCreated: number;
  /**
   * Batches (any provider) whose cancel was accepted, i.e. moved to cancelling / canceling: once
   * per batch, however often cancel is called. A cancel that changes nothing (the batch is already
   * finalizing, cancelling or final) does not count.
   */
  batchesCancelled: number;
  /** Batches that failed as a whole (batch.failRate, or a file that failed validation): nothing billed. */
  batchesFailed: number;
  doubleBilled: number;
  /** Sync calls refused with a 429 (not billed): how hard a client pushed against the limits. */
  rateLimited: number;
  /** The most batches (either API) in flight at once so far: created and not yet in a final status. */
  batchesInFlightPeak: number;
  /** Every sync request that reached the rate limits, admitted or refused, over time. */
  syncTraffic: SyncTrafficSnapshot;
  /**
   * Sync answers billed whose reply was swapped for a 500 (http.lostResponseRate): spend no client
   * can see in a usage field. Part of the totals above.
   */
  lostResponses: LedgerTotals;
  byModel: Record<string, LedgerTotals>;
  byMode: Record<PriceMode, LedgerTotals>;
  /** Only providers that billed something appear. */
  byProvider: Partial<Record<Provider, ProviderTotals>>;
}

export interface BillableRequest {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens?: number;
  cacheReadTokens?: number;
  /** requestHash() of the body. */
  bodyHash: string;
  corrupted: boolean;
  /** The reply will never reach the client (http.lostResponseRate). */
  lost?: boolean;
}

/** Many answered requests of one batch (one model), billed in one go. */
export interface BilledItems {
  count: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens?: number;
  cacheReadTokens?: number;
  hashes: readonly string[];
  corrupted: readonly boolean[];
}

function emptyTotals(): LedgerTotals {
  return { requestsBilled: 0, inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, costUsd: 0 };
}

/** Requests and their token sums, as BilledItems and BillableRequest both carry them. */
type Tokens = Pick<BilledItems, 'inputTokens' | 'outputTokens' | 'cacheWriteTokens' | 'cacheReadTokens'>;

function add(t: LedgerTotals, requests: number, tokens: Tokens, cost: number): void {
  t.requestsBilled += requests;
  t.inputTokens += tokens.inputTokens;
  t.outputTokens += tokens.outputTokens;
  t.cacheWriteTokens += tokens.cacheWriteTokens ?? 0;
  t.cacheReadTokens += tokens.cacheReadTokens ?? 0;
  t.costUsd += cost;
}

function rounded(t: LedgerTotals): LedgerTotals {
  return { ...t, costUsd: roundUsd(t.costUsd) };
}

export class LedgerBook {
  private batchesCreated = 0;
  private batchesCancelled = 0;
  private batchesFailed = 0;
  private doubleBilled = 0;
  private readonly totals = emptyTotals();
  private readonly byModel = new Map<string, LedgerTotals>();
  private readonly byMode: Record<PriceMode, LedgerTotals> = { batch: emptyTotals(), sync: emptyTotals() };
  private readonly byProvider = new Map<Provider, { totals: LedgerTotals; byModel: Map<string, LedgerTotals> }>();
  /** Hashes of bodies that already got a billed, uncorrupted answer. */
  private readonly answered = new Set<string>();

  private rateLimited = 0;
  private readonly lostResponses = emptyTotals();

  countRateLimited(): void {
    this.rateLimited += 1;
  }

  private readonly syncTraffic = new SyncTraffic();

  /** A sync request met the rate limits (before the verdict): `windowMs` is the window they count over. */
  countSyncRequest(now: number, windowMs: number): void {
    this.syncTraffic.record(now, windowMs);
  }

  countBatchCreated(): void {
    this.batchesCreated += 1;
  }

  /** A batch moved to cancelling / canceling; the stores call this once per batch. */
  countBatchCancelled(): void {
    this.batchesCancelled += 1;
  }

  countBatchFailed(): void {
    this.batchesFailed += 1;
  }

  bill(mode: PriceMode, provider: Provider, req: BillableRequest): void {
    if (req.lost) add(this.lostResponses, 1, req, usageCostUsd(req.model, mode, req));
    this.billMany(mode, provider, req.model, {
      count: 1,
      inputTokens: req.inputTokens,
      outputTokens: req.outputTokens,
      cacheWriteTokens: req.cacheWriteTokens,
      cacheReadTokens: req.cacheReadTokens,
      hashes: [req.bodyHash],
      corrupted: [req.corrupted],
    });
  }

  /**
   * Prices are linear in tokens (cache tokens too), so a batch is priced once on its sums rather than per
   * request, at base rates: the simulator bills no long-context tier.
   */
  billMany(mode: PriceMode, provider: Provider, model: string, items: BilledItems): void {
    if (items.count === 0) return;
    const { count } = items;
    const cost = tokensCostUsd(model, mode, items);
    add(this.totals, count, items, cost);
    add(this.byMode[mode], count, items, cost);
    add(totalsIn(this.byModel, model), count, items, cost);
    let perProvider = this.byProvider.get(provider);
    if (!perProvider) this.byProvider.set(provider, (perProvider = { totals: emptyTotals(), byModel: new Map() }));
    add(perProvider.totals, count, items, cost);
    add(totalsIn(perProvider.byModel, model), count, items, cost);
    for (let i = 0; i < items.hashes.length; i++) {
      const hash = items.hashes[i];
      if (this.answered.has(hash)) this.doubleBilled += 1;
      else if (!items.corrupted[i]) this.answered.add(hash);
    }
  }

  /** The totals; the batch stores add batchesInFlightPeak (SimulatorState.ledgerNow). */
  snapshot(): Omit<Ledger, 'batchesInFlightPeak'> {
    return {
      batchesCreated: this.batchesCreated,
      batchesCancelled: this.batchesCancelled,
      batchesFailed: this.batchesFailed,
      rateLimited: this.rateLimited,
      syncTraffic: this.syncTraffic.snapshot(),
      lostResponses: rounded(this.lostResponses),
      ...rounded(this.totals),
      doubleBilled: this.doubleBilled,
      byModel: Object.fromEntries([...this.byModel].map(([model, t]) => [model, rounded(t)])),
      byMode: { batch: rounded(this.byMode.batch), sync: rounded(this.byMode.sync) },
      byProvider: Object.fromEntries(
        [...this.byProvider].map(([provider, p]) => [
          provider,
          { ...rounded(p.totals), byModel: Object.fromEntries([...p.byModel].map(([m, t]) => [m, rounded(t)])) },
        ]),
      ),
    };
  }
}

function totalsIn(map: Map<string, LedgerTotals>, model: string): LedgerTotals {
  let t = map.get(model);
  if (!t) map.set(model, (t = emptyTotals()));
  return t;
}

/** Sums of tiny per-request costs drift in the last bits; 1e-9 USD is far below any price. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}
