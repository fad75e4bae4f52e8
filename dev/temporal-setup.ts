// `npm run setup:temporal`: make sure a temporal CLI exists (CI runs this before the tests so the
// one-time Go build is not charged to a test's timeout).
import { ensureTemporalCli, temporalCliVersion } from './temporal-cli';

const path = ensureTemporalCli();
if (path) console.log(`temporal CLI: ${path} (${temporalCliVersion(path)})`);
else console.log('no temporal CLI and no Go: the dev server will be downloaded by @temporalio/testing on first use');
