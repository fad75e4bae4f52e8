// The time-skipping test environment on the test server the project installs itself
// (dev/temporal-test-server.ts): @temporalio/testing would download it from the internet.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_NAMESPACE } from '../../common';
import { ensureTestServer } from '../../dev/temporal-test-server';
import { searchAttributeTypes } from '../../workers/search-attributes';

export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: ensureTestServer() } },
  });
  // The workflows upsert INTERFACE.md's search attributes, which the test server refuses until they
  // are registered (it has no list call: they are added whole, once, on its fresh namespace).
  await env.connection.operatorService.addSearchAttributes({
    namespace: DEFAULT_NAMESPACE,
    searchAttributes: searchAttributeTypes(),
  });
  return env;
}
