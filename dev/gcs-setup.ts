// `npm run setup:gcs`: make sure the Cloud Storage emulator exists (CI runs this before the tests
// so the one-time Go build is not charged to a test's timeout).
import { ensureGcsEmulator } from './gcs-emulator';

console.log(`fake-gcs-server: ${ensureGcsEmulator()}`);
