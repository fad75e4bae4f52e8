// Registers the INTERFACE.md search attributes that a namespace lacks. The dev server registers
// them from flags only when its db file is new, so workers and `dev` also call this at start-up.
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../common';

const { IndexedValueType } = temporal.api.enums.v1;
const TYPE_OF = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
} as const;

/** `--search-attribute` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

/** INTERFACE.md's search attributes as addSearchAttributes takes them. */
export function searchAttributeTypes(names: string[] = Object.keys(SEARCH_ATTRIBUTES)) {
  return Object.fromEntries(
    names.map((name) => [name, TYPE_OF[SEARCH_ATTRIBUTES[name as keyof typeof SEARCH_ATTRIBUTES]]]),
  );
}

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !(name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: searchAttributeTypes(missing.map(([name]) => name)),
  });
  return missing.map(([name]) => name);
}
