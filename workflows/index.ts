// The only workflowsPath: one file per workflow.
export * from './batch-run';
export * from './chunk';
export * from './estimate';
