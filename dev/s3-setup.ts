// `npm run setup:s3`: make sure the S3 emulator exists (CI runs this before the tests so the
// one-time Go build is not charged to a test's timeout).
import { ensureS3Emulator } from './s3-emulator';

console.log(`gofakes3: ${ensureS3Emulator()}`);
