// The simulator's public API: start one, shape its faults, read what it billed.
export { startSimulator, DEFAULT_SIMULATOR_PORT, type RunningSimulator, type StartOptions } from './server';
export { newWebhookSecret, signWebhook, webhookHeaders, type BatchWebhookEvent, type WebhookStats } from './webhooks';
export {
  parseProfile,
  loadProfileFile,
  profileSchema,
  ProfileError,
  type Profile,
  type ProfileInput,
  type WebhookSettings,
} from './profile';
export type { Ledger, LedgerTotals, Provider, ProviderTotals } from './ledger';
export { answerChat, type ChatAnswer } from './fake-model';
export { answerMessage, type MessageAnswer } from './anthropic-model';
export { sampleSchema, violateSchema } from './json-schema-sample';
