// Typed keys of the INTERFACE.md search attributes, derived from common's SEARCH_ATTRIBUTES (the one
// list of names and types). Never put item text in them: they are stored unencrypted and shown in the
// Web UI's list.
import { defineSearchAttributeKey } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../common';

type Attributes = typeof SEARCH_ATTRIBUTES;

function key<N extends keyof Attributes>(name: N) {
  return defineSearchAttributeKey(name, SEARCH_ATTRIBUTES[name].toUpperCase() as Uppercase<Attributes[N]>);
}

export const LlmRunId = key('LlmRunId');
export const LlmProvider = key('LlmProvider');
export const LlmModel = key('LlmModel');
export const LlmPhase = key('LlmPhase');
export const LlmItemsTotal = key('LlmItemsTotal');
export const LlmItemsDone = key('LlmItemsDone');
export const LlmItemsFailed = key('LlmItemsFailed');
export const LlmCostUsd = key('LlmCostUsd');
