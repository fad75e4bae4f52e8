// The shape every route handler shares: it gets the request and its state and returns a reply
// instead of writing to the socket, so the server can still swap the reply for a lost-response 500
// after the handler's change has taken effect.
import type { IncomingMessage } from 'node:http';
import type { Provider } from './ledger';
import type { SimulatorState } from './state';

export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  params: string[];
  state: SimulatorState;
  /** The path family the request came in on: it decides error shapes, headers and the ledger's provider. */
  provider: Provider;
  /** Azure OpenAI: the deployment named in the path, which stands for the model. */
  deployment?: string;
  /** `http://host:port` as this client reached the simulator, for URLs the simulator hands out. */
  origin: string;
  /**
   * The reply will be swapped for a 500 (http.lostResponseRate). A sync answer billed but never
   * delivered is not a good answer the client had: asking again is a legitimate retry, so the
   * ledger does not count the retry as double billing.
   */
  responseLost: boolean;
}

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; chunks: Buffer[]; headers?: Record<string, string> };

export interface Route {
  method: string;
  pattern: RegExp;
  handle: (ctx: RouteContext) => Promise<Reply>;
}
