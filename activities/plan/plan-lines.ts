// The CPU half of planning a page: each line's id checked, its request rendered, routed and keyed.
// It needs no store, so it runs while the previous page's rows are being written.
import { TemplateFieldMissing, matchesField, routeModel, type NeutralRequest, type ResolvedSpec } from '../../common';
import type { Lane } from './chunk-planner';
import type { DatasetEntry } from '../inputs/dataset';
import { itemIdOf, type IdKind } from './item-ids';
import { EmbedFieldProblem, renderRequest } from './render-request';
import { dedupKeyOf } from './request-key';
import { countInputTokens } from './token-count';

/** A line with the work that needs no store done: its id checked, its request rendered and keyed. */
export interface PreparedLine {
  entry: DatasetEntry;
  itemId?: string;
  idKind?: IdKind;
  error?: string;
  request?: NeutralRequest;
  dedupKey?: string;
  lane?: Lane;
}

function laneOf(spec: ResolvedSpec, record: Record<string, unknown>): Lane {
  return spec.hybrid
    ? matchesField(record, spec.hybrid.syncWhen)
      ? 'sync'
      : 'batch'
    : spec.mode === 'sync'
      ? 'sync'
      : 'batch';
}

function prepareLine(spec: ResolvedSpec, entry: DatasetEntry, cacheSystem: boolean): PreparedLine {
  if ('error' in entry) {
    // A rejected CSV row keeps its id where its id column could be read.
    const known = entry.fields && spec.idField ? itemIdOf(entry.fields, spec.idField, entry.line) : undefined;
    return { entry, error: entry.error, ...(known && !(known instanceof Error) ? { itemId: known.id } : {}) };
  }
  const itemId = itemIdOf(entry.record, spec.idField, entry.line);
  // A sharded or Parquet input's reason starts with the file and row, as the reader's own do.
  const at = entry.at ? `${entry.at}: ` : '';
  if (itemId instanceof Error) return { entry, error: at + itemId.message };
  const prepared: PreparedLine = { entry, itemId: itemId.id, idKind: itemId.kind };
  try {
    const request = renderRequest(spec, entry.record, cacheSystem);
    // Routed before it is keyed: the model is part of the request, and so of its dedup key.
    if (spec.routes) request.model = routeModel(spec.routes, entry.record, () => countInputTokens(request), spec.model);
    prepared.request = request;
    prepared.lane = laneOf(spec, entry.record);
    prepared.dedupKey = dedupKeyOf(spec.provider, prepared.request, spec.outputSchema);
  } catch (e) {
    if (!(e instanceof TemplateFieldMissing || e instanceof EmbedFieldProblem)) throw e;
    prepared.error = at + e.message;
  }
  return prepared;
}

/** `cacheSystem` is cachesSystemPrompt(spec), decided once for the run rather than for every line. */
export function prepareLines(spec: ResolvedSpec, entries: DatasetEntry[], cacheSystem: boolean): PreparedLine[] {
  return entries.map((entry) => prepareLine(spec, entry, cacheSystem));
}
