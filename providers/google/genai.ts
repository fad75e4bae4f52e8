// @google/genai from CommonJS. The package ships a CommonJS build for `require` but one set of type
// declarations, which TypeScript reads as an ES module under node16 resolution (the package is
// "type": "module"); so the values are required here, typed from those declarations, and every other
// file imports the SDK through this one.
import type * as GenAINamespace from '@google/genai' with { 'resolution-mode': 'import' };

type GenAI = typeof GenAINamespace;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const genai = require('@google/genai') as GenAI;

export const { GoogleGenAI, JobState, ApiError } = genai;
export type GoogleGenAI = InstanceType<GenAI['GoogleGenAI']>;
export type ApiError = InstanceType<GenAI['ApiError']>;
export type {
  BatchJob,
  GenerateContentConfig,
  GenerateContentResponse,
  InlinedRequest,
  JobError,
} from '@google/genai' with { 'resolution-mode': 'import' };
