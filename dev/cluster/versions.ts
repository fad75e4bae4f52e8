// The versions `llmbatch cluster up` builds and runs: the same as docker-compose.yml's images
// (temporalio/auto-setup, temporalio/ui), so the two production shapes run one server and one UI
// (test/unit/cluster-config.test.ts holds them together). v1.30.4 builds too; v1.30.9 and later
// need a newer Go than 1.26.
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_VERSION = 'v2.42.1';
