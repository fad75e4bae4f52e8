// Failure messages and stack traces can quote a spec, a path or a provider's answer: this moves
// them into an encoded attributes payload, which the payload codec encrypts like any other. Loaded
// by path (DataConverter.failureConverterPath) by the worker, the clients and the workflow bundle,
// where it runs inside the sandbox: @temporalio/common only, no Node.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
