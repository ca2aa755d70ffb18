// The Scout worker alone: `node --import tsx workers/scout.ts`, or `fitbot worker scout`.
import { runWorkerProcess } from './run.ts';

process.exitCode = await runWorkerProcess('scout');
