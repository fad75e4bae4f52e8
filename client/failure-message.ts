// The innermost message of a failure chain (WorkflowFailedError -> ChildWorkflowFailure ->
// ActivityFailure -> ApplicationFailure): the part a user can act on.
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  while (current instanceof Error) {
    if (current.message) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}
