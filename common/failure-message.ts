// The innermost message of a failure chain (WorkflowFailedError -> ChildWorkflowFailure ->
// ActivityFailure -> ApplicationFailure): the part a user can act on. Pure, so workflows use it too.
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  while (current instanceof Error) {
    if (current.message) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}

/** The `type` of the innermost ApplicationFailure in a chain, if any (e.g. 'auth', 'ProviderConfig'). */
export function rootFailureType(error: unknown): string | undefined {
  let current: unknown = error;
  let type: string | undefined;
  while (current instanceof Error) {
    const t = (current as { type?: unknown }).type;
    if (typeof t === 'string' && t) type = t;
    current = (current as { cause?: unknown }).cause;
  }
  return type;
}
