// An item's id, as plan takes it from a line: read from the spec's id field (or the line number),
// and a repeated one refused with the line that had it first.

export type IdKind = 'string' | 'number';

interface ItemId {
  id: string;
  /** The JSON type the id had; undefined when the id is the line number. */
  kind?: IdKind;
}

export function itemIdOf(record: Record<string, unknown>, idField: string | undefined, line: number): ItemId | Error {
  if (!idField) return { id: String(line) };
  // Own properties only: an id field named "constructor" must not find Object.prototype's.
  const value = Object.hasOwn(record, idField) ? record[idField] : undefined;
  if (value === undefined || value === null || value === '') return new Error(`missing id field "${idField}"`);
  if (typeof value === 'string') return { id: value, kind: 'string' };
  if (typeof value === 'number') return { id: String(value), kind: 'number' };
  return new Error(`id field "${idField}" must be a string or a number`);
}

/** The text a JSON number could print as: only such a string id can meet a numeric id. */
const couldBeNumber = (id: string) => id.trim() !== '' && String(Number(id)) === id;

/**
 * Remembers whether the first line of an id held it as a string or as a number, so that 7 and
 * "7" (the same id once written to the output files as text) are told apart in the rejection.
 * The store knows an id's first line but not its type, and keeping every id in memory would not
 * scale to 10M lines, so this keeps only what a mixed file needs: the type the numeric-looking
 * ids had until the first one of the other type (the line where the file became mixed), and after
 * that the ids first seen with the other type (a short list in any file that is not half and half).
 */
export class IdKinds {
  private firstKind?: IdKind;
  private mixedFrom = Infinity;
  private readonly others = new Set<string>();

  /** Called for each accepted id, in line order. */
  accept(id: string, kind: IdKind, line: number) {
    if (!couldBeNumber(id)) return;
    if (this.firstKind === undefined) this.firstKind = kind;
    if (kind === this.firstKind) return;
    this.mixedFrom = Math.min(this.mixedFrom, line);
    this.others.add(id);
  }

  /** The type of the id accepted on `line`. */
  kindOf(id: string, line: number): IdKind {
    if (!couldBeNumber(id) || this.firstKind === undefined) return 'string';
    if (line < this.mixedFrom || !this.others.has(id)) return this.firstKind;
    return this.firstKind === 'string' ? 'number' : 'string';
  }
}

function showId(id: string, kind: IdKind): string {
  return kind === 'number' ? `${id} (a number)` : `${JSON.stringify(id)} (a string)`;
}

/** Why a line whose id an earlier line (`first`) already has is refused. */
export function repeatedIdError(itemId: string, idKind: IdKind, first: number, idKinds: IdKinds): string {
  const firstKind = idKinds.kindOf(itemId, first);
  return firstKind === idKind
    ? `duplicate id "${itemId}" (first on line ${first})`
    : `id ${showId(itemId, idKind)} repeats id ${showId(itemId, firstKind)} on line ${first}; ids are compared as text`;
}
