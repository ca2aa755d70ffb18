/**
 * Fit the decode-speed model on data/speed-calibration.json and write
 * data/speed-model.json with its leave-one-out errors. Run after changing the
 * measurements or the model form: `npm run calibrate`.
 */
import { writeFileSync } from 'node:fs';
import { MEASURED_RECORDS, toSpeedRecords } from '../src/fit/calibration.ts';
import { BUILTIN_CATALOG } from '../src/fit/catalog/index.ts';
import { fitSpeedModel, leaveOneOut } from '../src/fit/speed-model.ts';

const records = toSpeedRecords(BUILTIN_CATALOG, MEASURED_RECORDS);
const model = fitSpeedModel(records);
const loo = leaveOneOut(records);
const out = {
  about:
    'Decode-speed model fitted by scripts/calibrate.ts on data/speed-calibration.json; leaveOneOut: each record predicted by a fit without it; model.unmeasuredBand: each device predicted by a fit without any of its records, for devices never measured.',
  records: records.length,
  leaveOneOut: { median: loo.median, p90: loo.p90, max: Math.max(...loo.absErrors) },
  model,
};
writeFileSync(new URL('../data/speed-model.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(
  `fitted on ${records.length} records: efficiency ${model.efficiency.toFixed(3)}, saturation ${model.saturationGBps.toFixed(0)} GB/s, ` +
    `${(model.perLayerSeconds * 1e6).toFixed(1)} µs/layer; leave-one-out median ${(loo.median * 100).toFixed(1)} %, P90 ${(loo.p90 * 100).toFixed(1)} %; ` +
    `band ${model.band.low.toFixed(2)}–${model.band.high.toFixed(2)}, unmeasured devices ${model.unmeasuredBand.low.toFixed(2)}–${model.unmeasuredBand.high.toFixed(2)}`,
);
