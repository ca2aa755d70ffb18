// The Maverick worker alone: `node --import tsx workers/maverick.ts`, or `fitbot worker maverick`.
import { runWorkerProcess } from './run.ts';

process.exitCode = await runWorkerProcess('maverick');
