import { UserError } from '../errors.ts';
import type { MeasuredPromptSpeed } from './calibration.ts';
import { KV_TYPES_BY_RUNTIME, type KvCacheType } from './catalog/quants.ts';
import type { Catalog, HardwareSpec, ModelFile, ModelSpec } from './catalog/types.ts';
import { type CostEstimate, costEstimate, rentalQuote, type Usage } from './cost.ts';
import {
  GB,
  GIB,
  isMoeBlock,
  kvCacheBytes,
  layerSplit,
  layersFit,
  type MemoryLimit,
  OS_RESERVE_GIB,
  routedExpertParamsB,
  runtimeOverheadBytes,
  usableBytes,
  weightsBytes,
} from './memory.ts';
import { type HardwareChoice, MAX_DEVICE_COUNT, resolveHardware, resolveModel, resolveQuant } from './resolve.ts';
import { decodeTokensPerSecond, type SpeedModel } from './speed-model.ts';

export type Verdict = 'fits' | 'tight' | 'raise-limit' | 'offload' | 'no-fit';

/** Headroom under this share of usable memory makes a fit "tight". */
export const TIGHT_HEADROOM_FRACTION = 0.1;

/**
 * System RAM read speed for offloaded weights, GB/s: dual-channel DDR5 gives
 * ≈ 50–80 GB/s effective (REFERENCE.md); the middle is the estimate.
 */
export const SYSTEM_RAM_GBPS = { low: 50, mid: 65, high: 80 } as const;

/** Beyond this context, llama.cpp decode measured 1.5–2.5× slower than bytes alone explain. */
export const LONG_CONTEXT_TOKENS = 32_768;

export const DEFAULT_CONTEXT_TOKENS = 8192;

export interface FitConfig {
  model: ModelSpec;
  file: ModelFile;
  device: HardwareSpec;
  count: number;
  memoryGB: number;
  contextTokens: number;
  parallel: number;
  /** Host system RAM, GB (for offloading). */
  ramGB: number;
}

export interface Offload {
  /** `experts`: MoE expert tensors of the first blocks in RAM (`--n-cpu-moe N`); `layers`: `-ngl` below all. */
  kind: 'experts' | 'layers';
  /** The N of `--n-cpu-moe N`: llama.cpp keeps the experts of blocks 0…N−1 on the CPU, dense blocks included. */
  cpuMoeLayers: number;
  /** Of those blocks, the ones with experts: what actually moves to RAM. */
  expertLayersInRam: number;
  gpuLayers: number;
  ramNeededGB: number;
}

export interface MemoryReport {
  weightsGB: number;
  kvCacheGB: number;
  overheadGB: number;
  requiredGB: number;
  /** Usable memory of all devices under the limit the verdict used, GB. */
  availableGB: number;
  headroomGB: number;
  kvType: KvCacheType;
  limit: MemoryLimit;
  /** Apple: usable under macOS's default GPU limit, GB. */
  defaultAvailableGB?: number;
  /** Apple: usable after raising iogpu.wired_limit_mb, GB. */
  raisedAvailableGB?: number;
  /** Of the required memory, what sits on the GPUs (offload leaves the rest in RAM), GB. */
  onDevicesGB: number;
}

export interface SpeedReport {
  decodeTokensPerSec: number;
  low: number;
  high: number;
  /** Decode speed with the KV cache filled to the asked context (still optimistic past 32K). */
  atContextTokensPerSec: number;
  /**
   * Prompt processing for one stream, only where it was measured for this model
   * file on one device of this kind (compute-bound, so no bandwidth model applies).
   */
  prompt?: { tokensPerSec: number; source: string };
  /** What bounds the estimate: the device's memory, or system RAM for offloaded weights. */
  bound: 'device-memory' | 'system-ram';
  longContextWarning: boolean;
}

export interface Evaluation {
  verdict: Verdict;
  memory: MemoryReport;
  /** llama.cpp layer split: blocks on each GPU, in order (for `--tensor-split`); absent when nothing fits. */
  blocksPerDevice?: number[];
  offload?: Offload;
  speed: SpeedReport;
  cost: CostEstimate;
}

export interface EngineContext {
  speedModel: SpeedModel;
  electricityUsdPerKwh: number;
  /** Measured prompt-processing speeds; /fit quotes one only for the same model file on the same device. */
  promptSpeeds?: readonly MeasuredPromptSpeed[];
}

interface Placement {
  kvType: KvCacheType;
  limit: MemoryLimit;
  offload?: Offload;
}

function isDiscrete(device: HardwareSpec): boolean {
  return device.kind !== 'apple' && device.kind !== 'cpu' && !device.unified;
}

/** Bytes each device offers after runtime overhead. */
function capacity(config: FitConfig, limit: MemoryLimit): number {
  return usableBytes(config.device, config.memoryGB, limit) - runtimeOverheadBytes(config.device);
}

function kvBytes(config: FitConfig, kvType: KvCacheType, contextTokens = config.contextTokens): number {
  return kvCacheBytes(config.model, contextTokens, config.parallel, kvType, config.file.runtime);
}

/**
 * Bytes each block left on the GPUs holds, in block order: its share of the
 * dense weights (embeddings spread evenly, an approximation) and of the KV
 * cache, plus its experts unless `--n-cpu-moe` keeps them in RAM. With `-ngl`
 * below all, llama.cpp offloads the last blocks, so the first ones are left out.
 */
function gpuBlockBytes(config: FitConfig, p: Placement, contextTokens: number): number[] {
  const { model } = config;
  const expertBytes = expertBytesPerMoeLayer(config);
  const allExpertBytes = expertBytes * (model.experts?.moeLayers ?? 0);
  const perBlock =
    (weightsBytes(config.file) - allExpertBytes + kvBytes(config, p.kvType, contextTokens)) / model.layers;
  const firstOnGpu = p.offload?.kind === 'layers' ? model.layers - p.offload.gpuLayers : 0;
  const expertsOnCpu = p.offload?.kind === 'experts' ? p.offload.cpuMoeLayers : 0;
  const blocks: number[] = [];
  for (let block = firstOnGpu; block < model.layers; block++) {
    blocks.push(perBlock + (isMoeBlock(model, block) && block >= expertsOnCpu ? expertBytes : 0));
  }
  return blocks;
}

/**
 * Whether what is not offloaded fits the devices. llama.cpp's layer split gives
 * each GPU a run of whole blocks, so each device's share is checked, not the
 * sum; vLLM's tensor parallel holds 1/N of every layer on each GPU.
 */
function deviceFits(config: FitConfig, p: Placement, contextTokens = config.contextTokens): boolean {
  const cap = capacity(config, p.limit);
  // Without offload the blocks add up to weights + KV cache: more than all devices hold never fits, and most
  // probes of the alternatives search end here, before the blocks are laid out.
  if (!p.offload && weightsBytes(config.file) + kvBytes(config, p.kvType, contextTokens) > cap * config.count) {
    return false;
  }
  const blocks = gpuBlockBytes(config, p, contextTokens);
  if (config.file.runtime === 'vllm' || config.count === 1) {
    return cap >= 0 && blocks.reduce((sum, b) => sum + b, 0) / config.count <= cap;
  }
  return layersFit(blocks, config.count, cap);
}

function expertBytesPerMoeLayer(config: FitConfig): number {
  const experts = config.model.experts;
  if (!experts) return 0;
  const share = routedExpertParamsB(config.model) / config.model.totalParamsB;
  return (weightsBytes(config.file) * share) / experts.moeLayers;
}

function offloadedBytes(config: FitConfig, offload: Offload | undefined): number {
  if (!offload) return 0;
  if (offload.kind === 'experts') return offload.expertLayersInRam * expertBytesPerMoeLayer(config);
  return ((config.model.layers - offload.gpuLayers) * weightsBytes(config.file)) / config.model.layers;
}

function ramFits(config: FitConfig, offload: Offload): boolean {
  return offload.ramNeededGB * GB <= (config.ramGB - OS_RESERVE_GIB) * GIB;
}

/** `--n-cpu-moe cpuMoeLayers`: the experts of blocks 0…cpuMoeLayers−1 (those that have any) in RAM. */
function expertOffload(config: FitConfig, cpuMoeLayers: number): Offload {
  let expertLayersInRam = 0;
  for (let block = 0; block < cpuMoeLayers; block++) if (isMoeBlock(config.model, block)) expertLayersInRam++;
  return {
    kind: 'experts',
    cpuMoeLayers,
    expertLayersInRam,
    gpuLayers: config.model.layers,
    ramNeededGB: (expertLayersInRam * expertBytesPerMoeLayer(config)) / GB,
  };
}

function layerOffload(config: FitConfig, gpuLayers: number): Offload {
  return {
    kind: 'layers',
    cpuMoeLayers: 0,
    expertLayersInRam: 0,
    gpuLayers,
    ramNeededGB: ((config.model.layers - gpuLayers) * weightsBytes(config.file)) / config.model.layers / GB,
  };
}

/** The smallest n in [lo, hi] with ok(n), for a monotone ok; undefined if none. */
function firstTrue(lo: number, hi: number, ok: (n: number) => boolean): number | undefined {
  if (lo > hi || !ok(hi)) return undefined;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The least offload that makes the rest fit on the GPUs and whose offloaded
 * part fits the host's RAM: MoE experts layer by layer first (cheap in speed,
 * since a token reads few experts), then whole layers.
 */
function findOffload(config: FitConfig): Offload | undefined {
  if (!isDiscrete(config.device) || config.file.runtime === 'vllm') return undefined;
  if (config.ramGB <= OS_RESERVE_GIB) return undefined;
  const base: Placement = { kvType: 'f16', limit: 'default' };
  const moeBlocks = config.model.experts ? config.model.layers : 0;
  const n = firstTrue(1, moeBlocks, (k) => deviceFits(config, { ...base, offload: expertOffload(config, k) }));
  if (n !== undefined) {
    const offload = expertOffload(config, n);
    return ramFits(config, offload) ? offload : undefined;
  }
  // Most layers on the GPUs: the largest gpuLayers that fits, found as the least layers in RAM.
  const layers = config.model.layers;
  const inRam = firstTrue(1, layers, (k) => deviceFits(config, { ...base, offload: layerOffload(config, layers - k) }));
  if (inRam === undefined) return undefined;
  const offload = layerOffload(config, layers - inRam);
  return ramFits(config, offload) ? offload : undefined;
}

/** The first KV type with which the file fits on the devices under `limit`, without offloading. */
function onDevicePlacement(config: FitConfig, limit: MemoryLimit): Placement | undefined {
  for (const kvType of KV_TYPES_BY_RUNTIME[config.file.runtime ?? 'llama.cpp']) {
    if (deviceFits(config, { kvType, limit })) return { kvType, limit };
  }
  return undefined;
}

function choosePlacement(config: FitConfig): Placement | undefined {
  const placement =
    onDevicePlacement(config, 'default') ??
    (config.device.kind === 'apple' ? onDevicePlacement(config, 'raised') : undefined);
  if (placement) return placement;
  const offload = findOffload(config);
  return offload ? { kvType: 'f16', limit: 'default', offload } : undefined;
}

/** Bytes read per decoded token: active weights plus the KV cache filled to `contextTokens`. */
function readBytesPerToken(config: FitConfig, kvType: KvCacheType, contextTokens: number): number {
  const m = config.model;
  const embeddingB = m.vocab && m.hiddenSize ? (m.vocab * m.hiddenSize) / 1e9 : 0;
  const activeShare = (m.readParamsB ?? m.activeParamsB - embeddingB) / m.totalParamsB;
  const weightsRead =
    config.file.readGBPerToken !== undefined
      ? config.file.readGBPerToken * GB
      : weightsBytes(config.file) * activeShare;
  return weightsRead + kvCacheBytes(m, contextTokens, 1, kvType, config.file.runtime);
}

/** Of the bytes read per token, those in system RAM (offloaded experts or layers). */
function cpuReadBytes(config: FitConfig, offload: Offload | undefined, totalRead: number): number {
  if (offload?.kind === 'experts' && config.model.experts) {
    const e = config.model.experts;
    return offload.expertLayersInRam * expertBytesPerMoeLayer(config) * (e.perToken / e.routed);
  }
  if (offload?.kind === 'layers') {
    return (totalRead * (config.model.layers - offload.gpuLayers)) / config.model.layers;
  }
  return 0;
}

/** Whether the speed model was corrected on measurements of this very device. */
function measured(model: SpeedModel, device: HardwareSpec): boolean {
  return device.id in model.deviceFactor;
}

/** The device whose measured correction applies: this one when measured, else its sibling (same chip family and memory type). */
function speedDeviceKey(model: SpeedModel, device: HardwareSpec): string {
  return measured(model, device) ? device.id : (device.speedSibling ?? device.id);
}

/** Seconds per token at a system-RAM speed, with the device part scaled by `bandFactor`. */
function secondsPerToken(
  config: FitConfig,
  placement: Placement,
  ctx: EngineContext,
  contextTokens: number,
): (ramGBps: number, bandFactor: number) => number {
  const total = readBytesPerToken(config, placement.kvType, contextTokens);
  const cpuRead = cpuReadBytes(config, placement.offload, total);
  const deviceTps = decodeTokensPerSecond(ctx.speedModel, {
    bytesPerTokenGB: (total - cpuRead) / GB,
    bandwidthGBps: config.device.bandwidthGBps,
    hbm: Boolean(config.device.hbm),
    layers: config.model.layers,
    deviceCount: config.count,
    deviceKey: speedDeviceKey(ctx.speedModel, config.device),
  });
  return (ramGBps, bandFactor) => 1 / (deviceTps * bandFactor) + cpuRead / GB / ramGBps;
}

/**
 * Single-stream decode. The headline is at a short context, as calibrated; the
 * band spreads it by the leave-one-out errors (left out by device for a device
 * never measured; and system RAM at 50–80 GB/s when
 * weights are offloaded). `atContextTokensPerSec` adds the KV cache reads at the
 * asked context, which still understates long contexts: hence the warning.
 */
function speedOf(config: FitConfig, placement: Placement, ctx: EngineContext): SpeedReport {
  const short = secondsPerToken(config, placement, ctx, 0);
  // A device never measured (even if it borrows a sibling's correction) gets the wider band.
  const band = measured(ctx.speedModel, config.device) ? ctx.speedModel.band : ctx.speedModel.unmeasuredBand;
  const mid = 1 / short(SYSTEM_RAM_GBPS.mid, 1);
  const prompt = placement.offload
    ? undefined
    : ctx.promptSpeeds?.find(
        (p) => p.modelId === config.model.id && p.quant === config.file.quant && p.deviceId === config.device.id,
      );
  return {
    ...(prompt ? { prompt: { tokensPerSec: prompt.tokensPerSec, source: prompt.source } } : {}),
    decodeTokensPerSec: mid,
    low: Math.min(1 / short(SYSTEM_RAM_GBPS.low, band.low), mid),
    high: Math.max(1 / short(SYSTEM_RAM_GBPS.high, band.high), mid),
    atContextTokensPerSec: 1 / secondsPerToken(config, placement, ctx, config.contextTokens)(SYSTEM_RAM_GBPS.mid, 1),
    bound: placement.offload ? 'system-ram' : 'device-memory',
    longContextWarning: config.contextTokens > LONG_CONTEXT_TOKENS,
  };
}

function memoryReport(config: FitConfig, placement: Placement): MemoryReport {
  const weights = weightsBytes(config.file);
  const kv = kvBytes(config, placement.kvType);
  const overhead = runtimeOverheadBytes(config.device) * config.count;
  const available = usableBytes(config.device, config.memoryGB, placement.limit) * config.count;
  const required = weights + kv + overhead;
  const onDevices = required - offloadedBytes(config, placement.offload);
  return {
    weightsGB: weights / GB,
    kvCacheGB: kv / GB,
    overheadGB: overhead / GB,
    requiredGB: required / GB,
    availableGB: available / GB,
    headroomGB: (available - onDevices) / GB,
    kvType: placement.kvType,
    limit: placement.limit,
    onDevicesGB: onDevices / GB,
    ...(config.device.kind === 'apple'
      ? {
          defaultAvailableGB: (usableBytes(config.device, config.memoryGB, 'default') * config.count) / GB,
          raisedAvailableGB: (usableBytes(config.device, config.memoryGB, 'raised') * config.count) / GB,
        }
      : {}),
  };
}

function verdictOf(placement: Placement | undefined, memory: MemoryReport): Verdict {
  if (!placement) return 'no-fit';
  if (placement.offload) return 'offload';
  if (placement.limit === 'raised') return 'raise-limit';
  return memory.headroomGB < TIGHT_HEADROOM_FRACTION * memory.availableGB ? 'tight' : 'fits';
}

/** Memory, verdict, speed and cost of one configuration. */
export function evaluate(config: FitConfig, ctx: EngineContext, usage?: Usage): Evaluation {
  const placement = choosePlacement(config);
  const shown: Placement = placement ?? { kvType: 'f16', limit: 'default' };
  const memory = memoryReport(config, shown);
  const speed = speedOf(config, shown, ctx);
  const split =
    placement && config.file.runtime !== 'vllm' && config.count > 1
      ? layerSplit(
          gpuBlockBytes(config, placement, config.contextTokens),
          config.count,
          capacity(config, placement.limit),
        )
      : undefined;
  return {
    verdict: verdictOf(placement, memory),
    memory,
    ...(split ? { blocksPerDevice: split } : {}),
    ...(placement?.offload ? { offload: placement.offload } : {}),
    speed,
    cost: costEstimate({
      device: config.device,
      count: config.count,
      decodeTokensPerSec: speed.decodeTokensPerSec,
      electricityUsdPerKwh: ctx.electricityUsdPerKwh,
      ...(usage ? { usage } : {}),
    }),
  };
}

/**
 * The largest context per sequence that fits with the placement the verdict
 * chose (same KV type, limit and offload), tokens; 0 when nothing fits.
 */
export function maxContextTokens(config: FitConfig, evaluation: Evaluation): number {
  if (evaluation.verdict === 'no-fit') return 0;
  const placement: Placement = {
    kvType: evaluation.memory.kvType,
    limit: evaluation.memory.limit,
    ...(evaluation.offload ? { offload: evaluation.offload } : {}),
  };
  let lo = 0;
  let hi = config.model.maxContext;
  if (deviceFits(config, placement, hi)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (deviceFits(config, placement, mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

export type AlternativeKind = 'quant-here' | 'more-devices' | 'cheapest-hardware' | 'smallest-that-fits';

export interface Alternative {
  kind: AlternativeKind;
  quant: string;
  sizeGB: number;
  hardwareId: string;
  hardware: string;
  count: number;
  verdict: Verdict;
  requiredGB: number;
  availableGB: number;
  decodeTokensPerSec: number;
  perHourUsd: number | null;
  /** What renting it costs an hour, where the catalog has a price. */
  rentPerHourUsd?: number;
}

const GOOD: ReadonlySet<Verdict> = new Set(['fits', 'tight']);

/** Device counts the cheapest-hardware search tries: consumer boxes stop at four cards. */
const COUNTS = { datacenter: [1, 2, 3, 4, 8], consumer: [1, 2, 3, 4], single: [1] } as const;

function alternativeOf(kind: AlternativeKind, config: FitConfig, e: Evaluation): Alternative {
  return {
    kind,
    quant: config.file.quant,
    sizeGB: config.file.sizeGB,
    hardwareId: config.device.id,
    hardware: config.device.name,
    count: config.count,
    verdict: e.verdict,
    requiredGB: e.memory.requiredGB,
    availableGB: e.memory.availableGB,
    decodeTokensPerSec: e.speed.decodeTokensPerSec,
    perHourUsd: e.cost.perHourUsd,
    ...withRent(config.device, config.count),
  };
}

function withRent(device: HardwareSpec, count: number): { rentPerHourUsd?: number } {
  const rent = rentalPerHourUsd(device, count);
  return rent === undefined ? {} : { rentPerHourUsd: rent };
}

function defaultRamGB(device: HardwareSpec): number {
  return device.hostRamGB ?? 0;
}

/** Price to rent for an hour, for ranking hardware on one scale: the team's own price, else secure, else community. */
function rentalPerHourUsd(device: HardwareSpec, count: number): number | undefined {
  if (device.pricePerHourUsd !== undefined) return device.pricePerHourUsd * count;
  const quote = rentalQuote(device);
  return quote ? quote.perGpuHourUsd * count : undefined;
}

/**
 * The largest file of this model that fits this hardware. Published files beat
 * derived sizes (a derived file may not exist), and on Apple a file that fits by
 * default beats one that needs the GPU limit raised.
 */
function bestQuantHere(config: FitConfig, ctx: EngineContext): Alternative | undefined {
  const bySize = [...config.model.files].sort((a, b) => b.sizeGB - a.sizeGB);
  const limits: MemoryLimit[] = config.device.kind === 'apple' ? ['default', 'raised'] : ['default'];
  for (const limit of limits) {
    for (const derived of [false, true]) {
      const file = bySize.find(
        (f) => Boolean(f.derived) === derived && onDevicePlacement({ ...config, file: f }, limit) !== undefined,
      );
      if (file) return alternativeOf('quant-here', { ...config, file }, evaluate({ ...config, file }, ctx));
    }
  }
  return undefined;
}

/** Evaluate only configurations that fit on their devices by default: the cheap test first. */
function ifFits(kind: AlternativeKind, config: FitConfig, ctx: EngineContext): Alternative | undefined {
  if (!onDevicePlacement(config, 'default')) return undefined;
  return alternativeOf(kind, config, evaluate(config, ctx));
}

/** The fewest devices of this kind that hold this file, when the asked count does not. */
function fewestDevices(config: FitConfig, ctx: EngineContext): Alternative | undefined {
  for (let count = config.count + 1; count <= MAX_DEVICE_COUNT; count++) {
    const alt = ifFits('more-devices', { ...config, count }, ctx);
    if (alt) return alt;
  }
  return undefined;
}

/** The cheapest rentable configuration in the catalog that holds this file. */
function cheapestHardware(catalog: Catalog, config: FitConfig, ctx: EngineContext): Alternative | undefined {
  let best: { alt: Alternative; rentUsd: number } | undefined;
  for (const device of catalog.hardware) {
    const counts = !isDiscrete(device) ? COUNTS.single : device.datacenter ? COUNTS.datacenter : COUNTS.consumer;
    for (const count of counts) {
      const rentUsd = rentalPerHourUsd(device, count);
      if (rentUsd === undefined || (best && rentUsd >= best.rentUsd)) break;
      const c = { ...config, device, count, memoryGB: device.memoryGB, ramGB: defaultRamGB(device) };
      const alt = ifFits('cheapest-hardware', c, ctx);
      if (alt) {
        best = { alt, rentUsd };
        break;
      }
    }
  }
  return best?.alt;
}

/**
 * Last resort when nothing priced fits: the asked file, else the model's files
 * smallest first, on any hardware in the catalog, priced or not, with the least total memory.
 */
function smallestThatFits(catalog: Catalog, config: FitConfig, ctx: EngineContext): Alternative | undefined {
  const others = config.model.files.filter((f) => f !== config.file).sort((a, b) => a.sizeGB - b.sizeGB);
  for (const file of [config.file, ...others]) {
    let best: { alt: Alternative; memoryGB: number } | undefined;
    for (const device of catalog.hardware) {
      const counts = !isDiscrete(device) ? COUNTS.single : COUNTS.datacenter;
      for (const count of counts) {
        const memoryGB = device.memoryGB * count;
        if (best && memoryGB >= best.memoryGB) break;
        const alt = ifFits(
          'smallest-that-fits',
          { ...config, file, device, count, memoryGB: device.memoryGB, ramGB: defaultRamGB(device) },
          ctx,
        );
        if (alt) {
          best = { alt, memoryGB };
          break;
        }
      }
    }
    if (best) return best.alt;
  }
  return undefined;
}

/**
 * What else to run: the largest file of this model that fits this hardware,
 * the fewest of this device that hold this file (when the asked count does
 * not), and the cheapest rentable hardware in the catalog that holds it.
 * Empty only when nothing in the catalog fits.
 */
export function alternatives(catalog: Catalog, config: FitConfig, verdict: Verdict, ctx: EngineContext): Alternative[] {
  const found: Alternative[] = [];
  const add = (alt: Alternative | undefined) => {
    if (!alt) return;
    const sameAsAsked =
      alt.quant === config.file.quant && alt.hardwareId === config.device.id && alt.count === config.count;
    const seen = found.some((f) => f.quant === alt.quant && f.hardwareId === alt.hardwareId && f.count === alt.count);
    if (!sameAsAsked && !seen) found.push(alt);
  };
  const here = bestQuantHere(config, ctx);
  // When the asked file fits, another file is only worth naming if it is larger (better quality).
  if (here && (!GOOD.has(verdict) || here.sizeGB > config.file.sizeGB)) add(here);
  if (!GOOD.has(verdict) && isDiscrete(config.device)) add(fewestDevices(config, ctx));
  add(cheapestHardware(catalog, config, ctx));
  if (found.length === 0) add(smallestThatFits(catalog, config, ctx));
  return found;
}

export interface FitRequest {
  model: string;
  quant: string;
  hardware: string;
  contextTokens?: number;
  parallel?: number;
  ramGB?: number;
  usage?: Usage;
}

export interface FitResult {
  config: FitConfig;
  /** True when a loose quant (`q3`) was mapped to a file the reply must name. */
  looseQuant: boolean;
  evaluation: Evaluation;
  maxContextTokens: number;
  alternatives: Alternative[];
}

export const MAX_PARALLEL = 256;

/** Resolve loose names, then evaluate, search alternatives and the largest context. */
export function fit(catalog: Catalog, request: FitRequest, ctx: EngineContext): FitResult {
  const model = resolveModel(catalog, request.model);
  const quant = resolveQuant(model, request.quant);
  const hw: HardwareChoice = resolveHardware(catalog, request.hardware);
  const contextTokens = request.contextTokens ?? Math.min(DEFAULT_CONTEXT_TOKENS, model.maxContext);
  const parallel = request.parallel ?? 1;
  if (!Number.isInteger(contextTokens) || contextTokens < 1 || contextTokens > model.maxContext) {
    throw new UserError(
      `context must be between 1 and ${model.maxContext.toLocaleString('en-US')} tokens for ${model.name}`,
    );
  }
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL) {
    throw new UserError(`parallel must be a whole number from 1 to ${MAX_PARALLEL}`);
  }
  if (request.ramGB !== undefined && !(request.ramGB >= 0 && request.ramGB <= 65_536)) {
    throw new UserError('ram must be a size in GB between 0 and 65536');
  }
  const config: FitConfig = {
    model,
    file: quant.file,
    device: hw.device,
    count: hw.count,
    memoryGB: hw.memoryGB,
    contextTokens,
    parallel,
    ramGB: request.ramGB ?? defaultRamGB(hw.device),
  };
  const evaluation = evaluate(config, ctx, request.usage);
  return {
    config,
    looseQuant: quant.loose,
    evaluation,
    maxContextTokens: maxContextTokens(config, evaluation),
    alternatives: alternatives(catalog, config, evaluation.verdict, ctx),
  };
}
