// The shape every route handler shares: it gets the request and its state and returns a reply
// instead of writing to the socket, so the server can still swap the reply for a lost-response 500
// after the handler's change has taken effect.
import type { IncomingMessage } from 'node:http';
import type { SimulatorState } from './state';

export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  params: string[];
  state: SimulatorState;
}

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; chunks: Buffer[]; headers?: Record<string, string> };

export interface Route {
  method: string;
  pattern: RegExp;
  handle: (ctx: RouteContext) => Promise<Reply>;
}
