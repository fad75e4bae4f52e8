// Tests provoke failures on purpose (refused keys, crashes, outages): at the default level every
// one of them prints a worker WARN with its stack, hundreds of lines that bury the report. Before
// any test file makes a connection or a worker, the Temporal runtime logs errors only, unless
// LLMBATCH_LOG_LEVEL asks for more (e.g. LLMBATCH_LOG_LEVEL=INFO to follow a failing test).
import { installWorkerLogging } from '../../workers/logging';

installWorkerLogging(process.env.LLMBATCH_LOG_LEVEL ? undefined : 'ERROR');
