// `npm run setup:test-server`: make sure the time-skipping test server is installed (CI runs this
// before the tests so the one-time Maven download is not charged to a test's timeout).
import { ensureTestServer } from './temporal-test-server';

console.log(`temporal test server: ${ensureTestServer()}`);
