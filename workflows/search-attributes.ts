// Typed keys of the INTERFACE.md search attributes. Never put item text in them: they are stored
// unencrypted and shown in the Web UI's list.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const LlmRunId = defineSearchAttributeKey('LlmRunId', SearchAttributeType.KEYWORD);
export const LlmProvider = defineSearchAttributeKey('LlmProvider', SearchAttributeType.KEYWORD);
export const LlmModel = defineSearchAttributeKey('LlmModel', SearchAttributeType.KEYWORD);
export const LlmPhase = defineSearchAttributeKey('LlmPhase', SearchAttributeType.KEYWORD);
export const LlmItemsTotal = defineSearchAttributeKey('LlmItemsTotal', SearchAttributeType.INT);
export const LlmItemsDone = defineSearchAttributeKey('LlmItemsDone', SearchAttributeType.INT);
export const LlmItemsFailed = defineSearchAttributeKey('LlmItemsFailed', SearchAttributeType.INT);
export const LlmCostUsd = defineSearchAttributeKey('LlmCostUsd', SearchAttributeType.DOUBLE);
