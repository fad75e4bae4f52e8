// Azure OpenAI's paths, so the `AzureOpenAI` client of the openai package works against the
// simulator: everything under /openai with an `?api-version=` query, the files and batches
// resources at /openai/files and /openai/batches, and the model endpoints under a deployment
// (/openai/deployments/{deployment}/chat/completions), the deployment name standing for the model.
// The handlers are the OpenAI ones; only the routing, the model and the ledger's provider differ.
// Azure authenticates with an `api-key` header (or an Entra bearer token): the server requires
// one of the two, of any non-empty value, and checks no more than that.
import { openaiHandlers as h } from './openai-routes';
import type { Reply, Route, RouteContext } from '../core/routes-types';

/** The first path parameter is the deployment; the handler sees the rest. */
function underDeployment(handle: (ctx: RouteContext) => Promise<Reply>): (ctx: RouteContext) => Promise<Reply> {
  return (ctx) => handle({ ...ctx, deployment: ctx.params[0], params: ctx.params.slice(1) });
}

export const azureRoutes: Route[] = [
  { method: 'POST', pattern: /^\/openai\/files$/, handle: h.uploadFile },
  { method: 'GET', pattern: /^\/openai\/files$/, handle: h.listFiles },
  { method: 'GET', pattern: /^\/openai\/files\/([^/]+)$/, handle: h.getFile },
  { method: 'DELETE', pattern: /^\/openai\/files\/([^/]+)$/, handle: h.deleteFile },
  { method: 'GET', pattern: /^\/openai\/files\/([^/]+)\/content$/, handle: h.fileContent },
  { method: 'POST', pattern: /^\/openai\/batches$/, handle: h.createBatch },
  // A client constructed with a `deployment` sends batch creation there too; the input file still names the model.
  { method: 'POST', pattern: /^\/openai\/deployments\/([^/]+)\/batches$/, handle: underDeployment(h.createBatch) },
  { method: 'GET', pattern: /^\/openai\/batches$/, handle: h.listBatches },
  { method: 'GET', pattern: /^\/openai\/batches\/([^/]+)$/, handle: h.getBatch },
  { method: 'POST', pattern: /^\/openai\/batches\/([^/]+)\/cancel$/, handle: h.cancelBatch },
  {
    method: 'POST',
    pattern: /^\/openai\/deployments\/([^/]+)\/chat\/completions$/,
    handle: underDeployment(h.chatCompletions),
  },
  { method: 'POST', pattern: /^\/openai\/deployments\/([^/]+)\/embeddings$/, handle: underDeployment(h.embeddings) },
];
