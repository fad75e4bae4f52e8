// Why a query of a run got no answer, in a user's words. A run whose payloads are encrypted answers
// its queries encrypted too: a client without the key (or without the key it was sealed with)
// cannot read the answer, which is not the same as no worker answering, and says what to set.
import { ENCRYPTED_ENCODING } from '../workers/encryption-codec';

/** The messages of an error and of its causes. */
function messagesOf(error: unknown): string[] {
  const messages: string[] = [];
  for (let e = error; e instanceof Error && messages.length < 8; e = e.cause) messages.push(e.message);
  return messages;
}

/** What the user should do when a query's answer could not be read; undefined when no worker answered. */
export function unreadableAnswer(error: unknown): string | undefined {
  const messages = messagesOf(error).join('\n');
  if (messages.includes(`Unknown encoding: ${ENCRYPTED_ENCODING}`))
    return "the run's payloads are encrypted and this process has no key to read them: set LLMBATCH_ENCRYPTION_KEY (or LLMBATCH_ENCRYPTION_KEY_FILE) as the workers have it";
  // Our codec's own words when it has keys, but not the one the answer was sealed with.
  const wrongKey = /payload encrypted with key .*/.exec(messages);
  return wrongKey ? wrongKey[0] : undefined;
}
