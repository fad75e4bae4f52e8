// `npm run setup:cluster`: build the cluster's Temporal server, its `sql` tool and the Web UI server
// into the tool cache if they are not there (CI runs this before the tests, so the one-time Go
// build is not charged to a test's timeout).
import { clusterBinaries } from './binaries';

const { server, sql, ui } = clusterBinaries();
console.log(`Temporal server: ${server}\nsql tool: ${sql}\nWeb UI server: ${ui}`);
