// The provider-neutral request: what plan renders, the store keeps and submit sends.

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

/** A provider-neutral request: what plan renders and submit sends. */
export interface NeutralRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
}
