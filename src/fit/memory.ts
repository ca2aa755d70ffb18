import { KV_BYTES_PER_ELEMENT, type KvCacheType } from './catalog/quants.ts';
import type { HardwareSpec, ModelFile, ModelSpec } from './catalog/types.ts';

export const GB = 1e9;
export const GIB = 2 ** 30;

/** llama.cpp's default micro-batch (`-ub`), which the windowed KV cache adds to its window. */
export const UBATCH_TOKENS = 512;

/**
 * Runtime memory per device beyond weights and KV cache: CUDA/ROCm context,
 * cuBLAS workspace and llama.cpp compute buffers on a discrete GPU, compute
 * buffers alone on unified memory. ESTIMATES, shown as such.
 */
export const RUNTIME_OVERHEAD_GIB = { discrete: 1.0, unified: 0.5 } as const;

/** NVIDIA's driver reserve: an 80 GB H100 offers ≈79.6 GiB (REFERENCE.md). */
export const NVIDIA_USABLE_FRACTION = 79.6 / 80;

/** Memory left to the OS on unified-memory machines and hosts: an ESTIMATE. */
export const OS_RESERVE_GIB = 8;

export function weightsBytes(file: ModelFile): number {
  return file.sizeGB * GB;
}

function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

/**
 * KV cache bytes for `parallel` sequences of `contextTokens` each, as llama.cpp
 * allocates it: full-attention layers hold every token; sliding-window and
 * chunked layers hold min(all tokens, window × sequences + ubatch), rounded up
 * to 256 cells; MLA layers hold one latent (not K and V). vLLM allocates full
 * length on every layer.
 */
export function kvCacheBytes(
  model: ModelSpec,
  contextTokens: number,
  parallel: number,
  kvType: KvCacheType = 'f16',
  runtime: ModelFile['runtime'] = 'llama.cpp',
): number {
  const perTokenPerLayer =
    (model.attention?.mla ? 1 : 2) * model.kvHeads * model.headDim * KV_BYTES_PER_ELEMENT[kvType];
  const cells = contextTokens * parallel;
  const window = model.attention?.window;
  const windowedLayers = runtime === 'vllm' || !window ? 0 : (model.attention?.windowedLayers ?? 0);
  const windowCells = window ? Math.min(cells, roundUp(window * parallel + UBATCH_TOKENS, 256)) : cells;
  const fullLayers = model.layers - windowedLayers;
  return perTokenPerLayer * (fullLayers * cells + windowedLayers * windowCells);
}

export type MemoryLimit = 'default' | 'raised';

/**
 * Memory one device lets a model use, bytes. Apple: the GPU's default wired
 * limit (about 2/3 of RAM up to 32 GB, 75 % from 36 GB, 91 % on 512 GB —
 * REFERENCE.md; sizes between 128 and 512 GB are taken as 75 %, an ESTIMATE),
 * or RAM minus an OS reserve after `iogpu.wired_limit_mb` is raised — never
 * less than the default, since on 8–16 GB Macs the reserve would eat more than
 * the default limit leaves.
 */
export function usableBytes(device: HardwareSpec, memoryGB: number, limit: MemoryLimit): number {
  if (device.kind === 'apple') {
    const fraction = memoryGB <= 32 ? 2 / 3 : memoryGB >= 512 ? 0.91 : 0.75;
    const defaultBytes = fraction * memoryGB * GIB;
    return limit === 'raised' ? Math.max(defaultBytes, (memoryGB - OS_RESERVE_GIB) * GIB) : defaultBytes;
  }
  if (device.unified || device.kind === 'cpu') return (memoryGB - OS_RESERVE_GIB) * GIB;
  return NVIDIA_USABLE_FRACTION * memoryGB * GIB;
}

export function runtimeOverheadBytes(device: HardwareSpec): number {
  const unified = device.kind === 'apple' || device.unified || device.kind === 'cpu';
  return (unified ? RUNTIME_OVERHEAD_GIB.unified : RUNTIME_OVERHEAD_GIB.discrete) * GIB;
}

/** Blocks per device when each takes blocks in order until the next would pass `limitBytes`; undefined if one block alone does. */
function fillInOrder(blockBytes: readonly number[], limitBytes: number): number[] | undefined {
  const counts: number[] = [];
  let load = 0;
  let blocks = 0;
  for (const bytes of blockBytes) {
    if (bytes > limitBytes) return undefined;
    if (load + bytes > limitBytes) {
      counts.push(blocks);
      load = 0;
      blocks = 0;
    }
    load += bytes;
    blocks++;
  }
  counts.push(blocks);
  return counts;
}

/**
 * Whether blocks of `blockBytes` fit `count` devices of `capacityBytes` each
 * under llama.cpp's `--split-mode layer`, which gives each device a run of
 * consecutive blocks (device 0 the first).
 */
export function layersFit(blockBytes: readonly number[], count: number, capacityBytes: number): boolean {
  return capacityBytes >= 0 && (fillInOrder(blockBytes, capacityBytes)?.length ?? Number.POSITIVE_INFINITY) <= count;
}

/**
 * Blocks per device for such a split: the one whose fullest device holds the
 * least, padded with zeros to `count`; undefined when none fits.
 */
export function layerSplit(blockBytes: readonly number[], count: number, capacityBytes: number): number[] | undefined {
  const fitsIn = (limit: number) => layersFit(blockBytes, count, limit);
  if (!fitsIn(capacityBytes)) return undefined;
  // Bisect the fullest device's load down to within a megabyte of the least possible (blocks weigh hundreds).
  let lo = 0;
  let hi = capacityBytes;
  while (hi - lo > 1e6) {
    const mid = (lo + hi) / 2;
    if (fitsIn(mid)) hi = mid;
    else lo = mid;
  }
  const counts = fillInOrder(blockBytes, hi) ?? [];
  return [...counts, ...Array<number>(count - counts.length).fill(0)];
}

/**
 * Whether block `block` (0-based) carries routed experts: blocks
 * `firstMoeLayer`, `firstMoeLayer + moeLayerStep`, … (DeepSeek's first 3 are
 * dense; Maverick's experts sit on every 2nd block). By default the dense
 * blocks come first.
 */
export function isMoeBlock(model: ModelSpec, block: number): boolean {
  const e = model.experts;
  if (!e) return false;
  const step = e.moeLayerStep ?? 1;
  const first = e.firstMoeLayer ?? model.layers - e.moeLayers * step;
  return block >= first && (block - first) % step === 0;
}

/** Parameters (billions) in routed experts, from total, active and expert counts. */
export function routedExpertParamsB(model: ModelSpec): number {
  const e = model.experts;
  if (!e || e.routed <= e.perToken) return 0;
  return ((model.totalParamsB - model.activeParamsB) * e.routed) / (e.routed - e.perToken);
}
