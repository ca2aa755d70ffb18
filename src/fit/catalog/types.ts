/**
 * The catalog schema. The same shape is accepted from a team's `--catalog FILE`
 * (see docs/CATALOG.md), so every field a team may omit is optional here.
 */

/** One published (or derived) weights file of a model. */
export interface ModelFile {
  /** Quant name as published, e.g. `Q4_K_M`, `UD-Q2_K_XL`, `FP8`. */
  quant: string;
  /** File size in GB (10^9 bytes). Where uploads differ, the largest (used for fitting). */
  sizeGB: number;
  /** Smallest published size when uploads differ, GB. */
  minSizeGB?: number;
  /** True when the size is computed (bits per weight × params), not published. */
  derived?: boolean;
  /** Bytes read per decoded token, GB, where measured data says the uniform-bits estimate is off. */
  readGBPerToken?: number;
  /** Runtime that loads this file. Default `llama.cpp` (GGUF). */
  runtime?: 'llama.cpp' | 'vllm';
  source?: string;
}

export interface AttentionSpec {
  /** Sliding-window or chunked attention window in tokens (llama.cpp iSWA cache). */
  window?: number;
  /** How many of the layers use the window; the rest attend to the full context. */
  windowedLayers?: number;
  /** Multi-head latent attention: one latent of kvHeads × headDim per token, not K and V. */
  mla?: boolean;
}

export interface ExpertSpec {
  /** Routed experts per MoE layer. */
  routed: number;
  /** Routed experts used per token. */
  perToken: number;
  /** Shared (always-on) experts per MoE layer. */
  shared: number;
  /** Layers that carry experts (the rest are dense). */
  moeLayers: number;
  /** Index of the first block with experts (llama.cpp counts blocks from 0); default: the dense blocks come first. */
  firstMoeLayer?: number;
  /** Blocks from one MoE block to the next (Maverick: 2); default 1. */
  moeLayerStep?: number;
}

export interface ModelSpec {
  id: string;
  name: string;
  aliases?: string[];
  /** Parameters, billions. */
  totalParamsB: number;
  /** Parameters active per token, billions. */
  activeParamsB: number;
  /** Parameters actually read per decoded token when it differs from activeParamsB, billions. */
  readParamsB?: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  maxContext: number;
  vocab?: number;
  /** Embedding width; with vocab, tells the input embedding, which a token reads one row of. */
  hiddenSize?: number;
  attention?: AttentionSpec;
  experts?: ExpertSpec;
  /** Hugging Face repository with GGUF files, used for `llama-server -hf repo:quant`. */
  ggufRepo?: string;
  files: ModelFile[];
  source?: string;
}

export type HardwareKind = 'nvidia' | 'amd' | 'apple' | 'cpu';

export interface PriceQuote {
  /** USD per GPU-hour. */
  perGpuHourUsd: number;
  /** When the price was seen, `YYYY-MM`. */
  date: string;
  source: string;
}

export interface HardwareSpec {
  id: string;
  name: string;
  aliases?: string[];
  kind: HardwareKind;
  /** Memory per device as the vendor states it (binary GB for GPU and unified memory). */
  memoryGB: number;
  /** Apple: configurations sold; `m4 max 64gb` picks one. */
  memoryOptionsGB?: number[];
  /** Id of the entry this one is a variant of (same chip, other memory sizes). */
  variantOf?: string;
  /** Memory bandwidth of one device, GB/s (vendor figure). */
  bandwidthGBps: number;
  /** High-bandwidth memory (HBM2/2e/3/3e), which single-stream decode does not fill: the speed model saturates it. */
  hbm?: boolean;
  /**
   * Id of a measured device with the same GPU architecture and memory type whose
   * speed correction this one borrows while it has no measurements of its own.
   */
  speedSibling?: string;
  /** A flat price per device-hour a team sets for its own hardware, USD. */
  pricePerHourUsd?: number;
  /** Rental prices per GPU-hour. */
  prices?: { community?: PriceQuote; secure?: PriceQuote };
  /** Board power, W, for the electricity cost of owned hardware. */
  boardPowerW?: number;
  /** Default host system RAM, GB, when the user gives none (an estimate per class). */
  hostRamGB?: number;
  /** Data-centre part: rented, not usually owned. */
  datacenter?: boolean;
  /** CPU and GPU share one memory pool (Apple, Strix Halo, DGX Spark): nothing to offload to. */
  unified?: boolean;
  source?: string;
}

export interface Catalog {
  models: ModelSpec[];
  hardware: HardwareSpec[];
}
