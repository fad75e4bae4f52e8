// The simulator's public API: start one, shape its faults, read what it billed.
export { startSimulator, DEFAULT_SIMULATOR_PORT, type RunningSimulator, type StartOptions } from './core/server';
export {
  newWebhookSecret,
  signWebhook,
  webhookHeaders,
  type BatchWebhookEvent,
  type WebhookStats,
} from './openai/webhooks';
export {
  parseProfile,
  loadProfileFile,
  profileSchema,
  ProfileError,
  type Profile,
  type ProfileInput,
  type WebhookSettings,
} from './core/profile';
export type { Ledger, LedgerTotals, Provider, ProviderTotals } from './core/ledger';
export { answerChat, type ChatAnswer } from './core/fake-model';
export { answerMessage, type MessageAnswer } from './anthropic/anthropic-model';
export { sampleSchema, violateSchema } from './core/json-schema-sample';
