import { UserError } from '../../errors.ts';
import type { Catalog, HardwareSpec, ModelSpec } from './types.ts';

const KINDS = new Set(['nvidia', 'amd', 'apple', 'cpu']);

type Check = (value: unknown) => boolean;
const positive: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nonNegative: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const positiveInt: Check = (v) => positive(v) && Number.isInteger(v);
const text: Check = (v) => typeof v === 'string' && v.trim() !== '';
const strings: Check = (v) => Array.isArray(v) && v.every(text);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkFields(
  where: string,
  entry: Record<string, unknown>,
  required: Record<string, [Check, string]>,
  optional: Record<string, [Check, string]>,
  problems: string[],
): void {
  for (const [key, [check, what]] of Object.entries(required)) {
    if (!check(entry[key])) problems.push(`${where}.${key} must be ${what}`);
  }
  for (const [key, [check, what]] of Object.entries(optional)) {
    if (entry[key] !== undefined && !check(entry[key])) problems.push(`${where}.${key} must be ${what}`);
  }
}

function checkModel(where: string, m: Record<string, unknown>, problems: string[]): void {
  checkFields(
    where,
    m,
    {
      id: [text, 'a non-empty string'],
      name: [text, 'a non-empty string'],
      totalParamsB: [positive, 'a positive number (billions)'],
      activeParamsB: [positive, 'a positive number (billions)'],
      layers: [positiveInt, 'a positive whole number'],
      kvHeads: [positiveInt, 'a positive whole number'],
      headDim: [positiveInt, 'a positive whole number'],
      maxContext: [positiveInt, 'a positive whole number (tokens)'],
    },
    {
      aliases: [strings, 'a list of strings'],
      readParamsB: [positive, 'a positive number (billions)'],
      vocab: [positiveInt, 'a positive whole number'],
      hiddenSize: [positiveInt, 'a positive whole number'],
      ggufRepo: [text, 'a string'],
    },
    problems,
  );
  if (
    positive(m.activeParamsB) &&
    positive(m.totalParamsB) &&
    (m.activeParamsB as number) > (m.totalParamsB as number)
  ) {
    problems.push(`${where}.activeParamsB must not exceed totalParamsB`);
  }
  if (!Array.isArray(m.files) || m.files.length === 0) {
    problems.push(`${where}.files must be a non-empty list of {quant, sizeGB}`);
  } else {
    m.files.forEach((f, i) => {
      if (!isObject(f)) problems.push(`${where}.files[${i}] must be an object`);
      else
        checkFields(
          `${where}.files[${i}]`,
          f,
          { quant: [text, 'a string'], sizeGB: [positive, 'a positive number (GB)'] },
          {},
          problems,
        );
    });
  }
  if (m.experts !== undefined) {
    if (!isObject(m.experts)) problems.push(`${where}.experts must be an object`);
    else
      checkFields(
        `${where}.experts`,
        m.experts,
        {
          routed: [positiveInt, 'a positive whole number'],
          perToken: [positiveInt, 'a positive whole number'],
          shared: [(v) => nonNegative(v) && Number.isInteger(v), 'a whole number'],
          moeLayers: [positiveInt, 'a positive whole number'],
        },
        {
          firstMoeLayer: [(v) => nonNegative(v) && Number.isInteger(v), 'a whole number (block index)'],
          moeLayerStep: [positiveInt, 'a positive whole number'],
        },
        problems,
      );
  }
}

function checkHardware(where: string, h: Record<string, unknown>, problems: string[]): void {
  checkFields(
    where,
    h,
    {
      id: [text, 'a non-empty string'],
      name: [text, 'a non-empty string'],
      kind: [(v) => typeof v === 'string' && KINDS.has(v), 'one of nvidia, amd, apple, cpu'],
      memoryGB: [positive, 'a positive number (GB)'],
      bandwidthGBps: [positive, 'a positive number (GB/s)'],
    },
    {
      aliases: [strings, 'a list of strings'],
      pricePerHourUsd: [nonNegative, 'a number ≥ 0 (USD per device-hour)'],
      boardPowerW: [nonNegative, 'a number ≥ 0 (W)'],
      hostRamGB: [nonNegative, 'a number ≥ 0 (GB)'],
      memoryOptionsGB: [(v) => Array.isArray(v) && v.length > 0 && v.every(positive), 'a list of positive numbers'],
      hbm: [(v) => typeof v === 'boolean', 'true or false'],
      speedSibling: [text, 'a hardware id'],
    },
    problems,
  );
}

/**
 * Validate a team's catalog file (the built-in schema; both lists optional).
 * Throws UserError listing every problem with its path.
 */
export function parseCatalog(json: unknown): Catalog {
  const problems: string[] = [];
  if (!isObject(json)) throw new UserError('catalog must be a JSON object with "models" and/or "hardware" lists');
  const models = json.models ?? [];
  const hardware = json.hardware ?? [];
  if (!Array.isArray(models)) problems.push('models must be a list');
  if (!Array.isArray(hardware)) problems.push('hardware must be a list');
  if (Array.isArray(models)) {
    for (const [i, m] of models.entries()) {
      if (isObject(m)) checkModel(`models[${i}]`, m, problems);
      else problems.push(`models[${i}] must be an object`);
    }
  }
  if (Array.isArray(hardware)) {
    for (const [i, h] of hardware.entries()) {
      if (isObject(h)) checkHardware(`hardware[${i}]`, h, problems);
      else problems.push(`hardware[${i}] must be an object`);
    }
  }
  if (problems.length > 0) throw new UserError(`catalog has ${problems.length} problem(s): ${problems.join('; ')}`);
  return {
    models: (models as ModelSpec[]).map((m) => ({ ...m, files: [...m.files] })),
    hardware: hardware as HardwareSpec[],
  };
}

/** The built-in catalog with a team's entries added; an entry with a built-in id replaces it. */
export function mergeCatalogs(base: Catalog, extra: Catalog): Catalog {
  const ids = (list: { id: string }[]) => new Set(list.map((e) => e.id));
  const modelIds = ids(extra.models);
  const hardwareIds = ids(extra.hardware);
  return {
    models: [...base.models.filter((m) => !modelIds.has(m.id)), ...extra.models],
    hardware: [...base.hardware.filter((h) => !hardwareIds.has(h.id)), ...extra.hardware],
  };
}
