import { UserError } from '../errors.ts';
import { bitsPerWeight, quantFamily } from './catalog/quants.ts';

import type { Catalog, HardwareSpec, ModelFile, ModelSpec } from './catalog/types.ts';
import { closestLabels, normalizeName } from './fuzzy.ts';

/** Most devices a /fit may ask for: larger counts are a cluster, not a box. */
export const MAX_DEVICE_COUNT = 16;

function didYouMean(suggestions: string[]): string {
  return suggestions.length > 0 ? ` — did you mean ${suggestions.join(', ')}?` : '';
}

function keysOf(entry: { id: string; name: string; aliases?: string[] }): string[] {
  return [entry.id, entry.name, ...(entry.aliases ?? [])];
}

function findByName<T extends { id: string; name: string; aliases?: string[] }>(
  entries: readonly T[],
  text: string,
): T | undefined {
  const needle = normalizeName(text);
  if (needle === '') return undefined;
  // Later entries win, so a team's --catalog overrides built-in names.
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry && keysOf(entry).some((key) => normalizeName(key) === needle)) return entry;
  }
  return undefined;
}

function suggestionsFor(entries: readonly { id: string; name: string; aliases?: string[] }[], text: string) {
  return closestLabels(
    text,
    entries.map((e) => ({ label: e.aliases?.[0] ?? e.id, keys: keysOf(e) })),
  );
}

/** A model by id, name or alias, ignoring case, spaces and punctuation. */
export function resolveModel(catalog: Catalog, text: string): ModelSpec {
  const model = findByName(catalog.models, text);
  if (model) return model;
  const suggestions = suggestionsFor(catalog.models, text);
  throw new UserError(`unknown model '${clip(text)}'${didYouMean(suggestions)}`);
}

export interface QuantChoice {
  file: ModelFile;
  /** True when the input named a family (`q3`) and the engine picked a file in it. */
  loose: boolean;
}

/** The canonical type of a loose family, whose file is preferred within it. */
const CANONICAL: Readonly<Record<string, string>> = {
  q1: 'IQ1_M',
  iq1: 'IQ1_M',
  q2: 'Q2_K',
  iq2: 'IQ2_XS',
  q3: 'Q3_K_M',
  iq3: 'IQ3_XXS',
  q4: 'Q4_K_M',
  iq4: 'IQ4_XS',
  q5: 'Q5_K_M',
  q6: 'Q6_K',
  q8: 'Q8_0',
  f16: 'F16',
};

/** Loose spellings people use, as the family they mean. */
const LOOSE_FAMILIES: Readonly<Record<string, string[]>> = {
  '1bit': ['iq1'],
  '2bit': ['q2', 'iq2'],
  '3bit': ['q3', 'iq3'],
  '4bit': ['q4', 'iq4', 'mxfp4'],
  '5bit': ['q5'],
  '6bit': ['q6'],
  '8bit': ['q8', 'fp8'],
  int8: ['q8', 'fp8'],
  int4: ['awq', 'q4'],
  gptq: ['awq'],
  fp16: ['f16'],
  bf16: ['f16'],
  '16bit': ['f16'],
  q1: ['iq1'],
  q2: ['q2', 'iq2'],
  q3: ['q3', 'iq3'],
  q4: ['q4', 'iq4', 'mxfp4'],
};

/**
 * Names some guides use for a published type, normalised: unsloth's 1.78-bit
 * UD-IQ1_S is written "IQ1_78" (REFERENCE.md, published file sizes).
 */
const QUANT_ALIASES: Readonly<Record<string, string>> = { iq178: 'IQ1_S' };

function rankInFamily(file: ModelFile, family: string): number {
  const canonical = CANONICAL[family];
  const bits = bitsPerWeight(file.quant) ?? 0;
  const canonicalBits = canonical ? (bitsPerWeight(canonical) ?? bits) : bits;
  const exact = canonical && file.quant.toUpperCase() === canonical ? 0 : 0.01;
  // Nearest to the canonical type; then the plain name.
  return Math.abs(bits - canonicalBits) + exact;
}

/** The file named exactly, with or without unsloth's `UD-` prefix. */
function fileNamed(model: ModelSpec, needle: string): ModelFile | undefined {
  return (
    model.files.find((f) => normalizeName(f.quant) === needle) ??
    model.files.find((f) => normalizeName(f.quant.replace(/^UD-/i, '')) === needle)
  );
}

/**
 * The best file in the first of `families` that has one, published files in
 * any family before derived ones: "4bit" of gpt-oss is its published MXFP4,
 * not a Q4_K_M that nobody uploaded.
 */
function bestInFamilies(model: ModelSpec, families: readonly string[]): ModelFile | undefined {
  for (const derived of [false, true]) {
    for (const family of families) {
      const inFamily = model.files.filter((f) => quantFamily(f.quant) === family && Boolean(f.derived) === derived);
      const best = inFamily.sort((a, b) => rankInFamily(a, family) - rankInFamily(b, family))[0];
      if (best) return best;
    }
  }
  return undefined;
}

/**
 * The file of `model` that `text` names: an exact quant (`Q3_K_M`, `ud-q2_k_xl`)
 * or a loose family (`q3`, `iq1`, `4bit`) mapped to its best-matching published
 * file. Throws UserError listing the model's quants when nothing matches.
 */
export function resolveQuant(model: ModelSpec, text: string): QuantChoice {
  const needle = normalizeName(text.replace(/[-_ ]?(bits?|bpw)$/i, 'bit'));
  const exact = fileNamed(model, needle);
  if (exact) return { file: exact, loose: false };
  const alias = QUANT_ALIASES[needle];
  const aliased = alias ? fileNamed(model, normalizeName(alias)) : undefined;
  if (aliased) return { file: aliased, loose: true };

  const best = bestInFamilies(model, LOOSE_FAMILIES[needle] ?? [quantFamily(needle)]);
  if (best) return { file: best, loose: true };
  const known = model.files.map((f) => f.quant);
  const suggestions = closestLabels(
    text,
    known.map((q) => ({ label: q, keys: [q, q.replace(/^UD-/, '')] })),
  );
  throw new UserError(
    `unknown quant '${clip(text)}' for ${model.name}${didYouMean(suggestions)} (available: ${known.join(', ')})`,
  );
}

export interface HardwareChoice {
  device: HardwareSpec;
  count: number;
  /** Memory per device after a size in the input picked one (Apple configurations). */
  memoryGB: number;
}

const COUNT_PREFIX = /^(\d{1,2})\s*[x×*]\s*(.+)$/i;
// `h100 x2`, `h100x2`, `h100*2` — but not the x of `rtx 3090`.
const COUNT_SUFFIX = /^(.+?)(?:\s+[x×*]|(?<=\d)x|[×*])\s*(\d{1,2})$/i;
const MEMORY_SUFFIX = /^(.+?)\s+(\d+)\s*(?:gb|g|gib)?$/i;
const NOISE_WORDS = /\b(nvidia|geforce|amd|radeon|apple|mac\s*studio|macbook\s*pro|mac\s*mini|imac)\b/gi;

/**
 * Devices and count from loose text: `2xh100`, `4x h100 sxm`, `h200`, `2x4090`,
 * `m4 max 128gb`, `mac studio m3 ultra 512`. A trailing memory size picks one of
 * the device's configurations. Throws UserError with the closest names otherwise.
 */
export function resolveHardware(catalog: Catalog, text: string): HardwareChoice {
  const whole = findByName(catalog.hardware, text.replace(/\([^)]*\)/g, ' '));
  if (whole) return { device: whole, count: 1, memoryGB: whole.memoryGB };
  let rest = text.trim();
  let count = 1;
  const prefix = COUNT_PREFIX.exec(rest);
  const suffix = COUNT_SUFFIX.exec(rest);
  if (prefix?.[1] && prefix[2] && !/^\d+\s*gb/i.test(prefix[2])) {
    count = Number(prefix[1]);
    rest = prefix[2];
  } else if (suffix?.[1] && suffix[2]) {
    count = Number(suffix[2]);
    rest = suffix[1];
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_DEVICE_COUNT) {
    throw new UserError(`device count must be between 1 and ${MAX_DEVICE_COUNT}, not ${count}`);
  }

  const cleaned = rest.replace(/\([^)]*\)/g, ' ').trim();
  const direct = findByName(catalog.hardware, cleaned) ?? findByName(catalog.hardware, stripNoise(cleaned));
  if (direct) return oneBox({ device: direct, count, memoryGB: direct.memoryGB });

  const sized = MEMORY_SUFFIX.exec(stripNoise(cleaned));
  if (sized?.[1] && sized[2]) {
    const memoryGB = Number(sized[2]);
    const device = pickConfiguration(catalog.hardware, sized[1], memoryGB);
    if (device) return oneBox({ device, count, memoryGB });
  }
  const suggestions = suggestionsFor(catalog.hardware, stripNoise(cleaned) || cleaned);
  throw new UserError(`unknown hardware '${clip(text)}'${didYouMean(suggestions)}`);
}

/**
 * Unified-memory machines (Macs, Strix Halo, DGX Spark) are one per box: several
 * of them would run over the network (llama.cpp RPC), which /fit does not model.
 */
function oneBox(choice: HardwareChoice): HardwareChoice {
  const { device, count } = choice;
  if (count > 1 && (device.kind === 'apple' || device.kind === 'cpu' || device.unified)) {
    throw new UserError(
      `${device.name} is one machine: /fit does not pool ${count} of them (that would be llama.cpp RPC over the network) — ask for one`,
    );
  }
  return choice;
}

function stripNoise(text: string): string {
  return text.replace(NOISE_WORDS, ' ').replace(/\s+/g, ' ').trim();
}

/** The entry named `name` that is sold with `memoryGB`; UserError if the size does not exist. */
function pickConfiguration(
  hardware: readonly HardwareSpec[],
  name: string,
  memoryGB: number,
): HardwareSpec | undefined {
  const base = findByName(hardware, name);
  if (!base) return undefined;
  const family = base.variantOf ?? base.id;
  const sameChip = hardware.filter((h) => h.id === family || h.variantOf === family);
  const match = sameChip.find((h) => (h.memoryOptionsGB ?? [h.memoryGB]).includes(memoryGB));
  if (match) return match;
  const options = [...new Set(sameChip.flatMap((h) => h.memoryOptionsGB ?? [h.memoryGB]))].sort((a, b) => a - b);
  throw new UserError(`${base.name} comes with ${options.join(', ')} GB, not ${memoryGB} GB`);
}

/** Echo user text in errors without letting a huge or multi-line input through. */
function clip(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return oneLine.length > 40 ? `${oneLine.slice(0, 40)}…` : oneLine;
}
