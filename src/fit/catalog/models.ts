import { GGUF_BITS_PER_WEIGHT, quantFamily, STANDARD_GGUF_QUANTS, VLLM_BYTES_PER_PARAM } from './quants.ts';
import type { ModelFile, ModelSpec } from './types.ts';

// Architecture facts: the models' config.json files and llama.cpp's
// src/llama-model.cpp; parameter counts from GGUF metadata (REFERENCE.md, "Models").
const CONFIG_SOURCE = 'model config.json + llama.cpp llama-model.cpp (REFERENCE.md, Models)';
const UNSLOTH_LLAMA4 = "unsloth's Llama 4 GGUF repositories and docs; Ollama llama4 q4_K_M blob (REFERENCE.md)";
const CALIBRATION = 'measured file size in data/speed-calibration.json';

/** A file whose size is bits-per-weight × parameters (REFERENCE.md quant table). */
function derivedFile(totalParamsB: number, quant: string): ModelFile {
  const vllm = VLLM_BYTES_PER_PARAM[quant];
  const bits = vllm !== undefined ? vllm * 8 : GGUF_BITS_PER_WEIGHT[quant];
  if (bits === undefined) throw new Error(`no bits-per-weight for ${quant}`);
  return {
    quant,
    sizeGB: round1((totalParamsB * bits) / 8),
    derived: true,
    ...(vllm !== undefined ? { runtime: 'vllm' as const } : {}),
    source: 'derived: params × bits per weight (REFERENCE.md, Quantisation)',
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * Published files first; then, for every standard quant family with no
 * published file, a derived one (so `IQ1_M` at 1.95 bpw never stands beside a
 * published 1.93-bit file of a different real size).
 */
function withDerived(totalParamsB: number, published: ModelFile[]): ModelFile[] {
  const families = new Set(published.map((f) => quantFamily(f.quant)));
  const derived = [...STANDARD_GGUF_QUANTS, 'FP8', 'AWQ']
    .filter((q) => !families.has(quantFamily(q)))
    .map((q) => derivedFile(totalParamsB, q));
  return [...published, ...derived];
}

function published(quant: string, sizeGB: number, source: string, minSizeGB?: number): ModelFile {
  return { quant, sizeGB, source, ...(minSizeGB !== undefined ? { minSizeGB } : {}) };
}

export const MODELS: readonly ModelSpec[] = [
  {
    id: 'llama-4-scout',
    name: 'Llama 4 Scout 17B-16E',
    aliases: ['scout', 'llama4 scout', 'llama 4 scout', 'llama-4-scout-17b-16e'],
    totalParamsB: 107.77,
    activeParamsB: 17,
    readParamsB: 16.1,
    layers: 48,
    kvHeads: 8,
    headDim: 128,
    maxContext: 10_485_760,
    vocab: 202_048,
    hiddenSize: 5120,
    attention: { window: 8192, windowedLayers: 36 },
    experts: { routed: 16, perToken: 1, shared: 1, moeLayers: 48 },
    ggufRepo: 'unsloth/Llama-4-Scout-17B-16E-Instruct-GGUF',
    files: withDerived(107.77, [
      published('Q8_0', 113, UNSLOTH_LLAMA4),
      published('UD-Q4_K_XL', 65.6, UNSLOTH_LLAMA4),
      published('Q4_K_M', 65.35, UNSLOTH_LLAMA4),
      published('UD-Q3_K_XL', 52.9, UNSLOTH_LLAMA4),
      published('Q3_K_M', 51.7, UNSLOTH_LLAMA4),
      published('UD-Q2_K_XL', 42.2, UNSLOTH_LLAMA4),
      published('UD-IQ2_XXS', 38.6, UNSLOTH_LLAMA4),
      published('UD-IQ1_M', 35.4, UNSLOTH_LLAMA4),
      published('UD-IQ1_S', 33.8, UNSLOTH_LLAMA4),
    ]),
    source: CONFIG_SOURCE,
  },
  {
    id: 'llama-4-maverick',
    name: 'Llama 4 Maverick 17B-128E',
    aliases: ['maverick', 'llama4 maverick', 'llama 4 maverick', 'llama-4-maverick-17b-128e'],
    totalParamsB: 400.71,
    activeParamsB: 17,
    readParamsB: 16.1,
    layers: 48,
    kvHeads: 8,
    headDim: 128,
    maxContext: 1_048_576,
    vocab: 202_048,
    hiddenSize: 5120,
    attention: { window: 8192, windowedLayers: 36 },
    // MoE every 2nd layer: llama.cpp's n_moe_layer_step = 2 puts experts on blocks where (il + 1) % 2 == 0, i.e. 1, 3, … 47.
    experts: { routed: 128, perToken: 1, shared: 1, moeLayers: 24, firstMoeLayer: 1, moeLayerStep: 2 },
    ggufRepo: 'unsloth/Llama-4-Maverick-17B-128E-Instruct-GGUF',
    files: withDerived(400.71, [
      { ...derivedFile(400.71, 'F16'), quant: 'BF16', sizeGB: 801 },
      {
        quant: 'FP8',
        sizeGB: 422,
        runtime: 'vllm',
        source: 'published FP8 checkpoint (REFERENCE.md)',
      },
      published('UD-Q4_K_XL', 243, UNSLOTH_LLAMA4),
      published('Q4_K_M', 243, UNSLOTH_LLAMA4),
      published('UD-Q3_K_XL', 193, UNSLOTH_LLAMA4, 180),
      { ...derivedFile(400.71, 'Q3_K_M'), sizeGB: 195 },
      published('UD-Q2_K_XL', 153, UNSLOTH_LLAMA4, 151),
      published('UD-IQ2_XXS', 140, UNSLOTH_LLAMA4, 135),
      published('UD-IQ1_M', 128, UNSLOTH_LLAMA4),
      published('UD-IQ1_S', 122, UNSLOTH_LLAMA4),
    ]),
    source: CONFIG_SOURCE,
  },
  {
    id: 'llama-3.1-8b',
    name: 'Llama 3.1 8B',
    aliases: ['llama 3 8b', 'llama3 8b', 'llama 3.1 8b', 'llama3.1 8b', 'llama-3-8b'],
    totalParamsB: 8.03,
    activeParamsB: 8.03,
    layers: 32,
    kvHeads: 8,
    headDim: 128,
    maxContext: 131_072,
    vocab: 128_256,
    hiddenSize: 4096,
    files: withDerived(8.03, [published('F16', 16.06, CALIBRATION), published('Q4_K_M', 4.92, CALIBRATION)]),
    source: CONFIG_SOURCE,
  },
  {
    id: 'llama-3.3-70b',
    name: 'Llama 3.1 / 3.3 70B',
    aliases: ['llama 3 70b', 'llama3 70b', 'llama 3.1 70b', 'llama 3.3 70b', 'llama3.3 70b', '70b'],
    totalParamsB: 70.55,
    activeParamsB: 70.55,
    layers: 80,
    kvHeads: 8,
    headDim: 128,
    maxContext: 131_072,
    vocab: 128_256,
    hiddenSize: 8192,
    files: withDerived(70.55, [published('F16', 141.12, CALIBRATION), published('Q4_K_M', 42.52, CALIBRATION)]),
    source: CONFIG_SOURCE,
  },
  {
    id: 'llama-3.1-405b',
    name: 'Llama 3.1 405B',
    aliases: ['llama 405b', 'llama 3.1 405b', '405b'],
    totalParamsB: 404.65,
    activeParamsB: 404.65,
    layers: 126,
    kvHeads: 8,
    headDim: 128,
    maxContext: 131_072,
    vocab: 128_256,
    hiddenSize: 16384,
    files: withDerived(404.65, []),
    source: CONFIG_SOURCE,
  },
  {
    id: 'llama-2-7b',
    name: 'Llama 2 7B',
    aliases: ['llama 2 7b', 'llama2 7b'],
    totalParamsB: 6.74,
    activeParamsB: 6.74,
    layers: 32,
    // Llama 2 7B has no grouped-query attention: 32 KV heads (its config.json).
    kvHeads: 32,
    headDim: 128,
    maxContext: 4096,
    vocab: 32_000,
    hiddenSize: 4096,
    files: withDerived(6.74, [
      published('F16', 13.48, CALIBRATION),
      published('Q8_0', 7.16, CALIBRATION),
      published('Q4_0', 3.82, CALIBRATION),
    ]),
    source: 'meta-llama/Llama-2-7b-hf config.json',
  },
  {
    id: 'deepseek-v3',
    name: 'DeepSeek V3 / R1',
    aliases: ['deepseek', 'deepseek v3', 'deepseek r1', 'r1', 'deepseek-r1', 'v3'],
    totalParamsB: 671,
    activeParamsB: 37,
    layers: 61,
    // MLA: llama.cpp caches one latent of kv_lora_rank 512 + rope 64 per token and layer.
    kvHeads: 1,
    headDim: 576,
    maxContext: 163_840,
    vocab: 129_280,
    hiddenSize: 7168,
    attention: { mla: true },
    // First 3 layers dense (first_k_dense_replace = 3): experts on blocks 3 … 60.
    experts: { routed: 256, perToken: 8, shared: 1, moeLayers: 58, firstMoeLayer: 3 },
    files: withDerived(671, []),
    source: CONFIG_SOURCE,
  },
  {
    id: 'qwen3-235b-a22b',
    name: 'Qwen3-235B-A22B',
    aliases: ['qwen3 235b', 'qwen 235b', 'qwen3-235b'],
    totalParamsB: 235.09,
    activeParamsB: 22,
    layers: 94,
    kvHeads: 4,
    headDim: 128,
    maxContext: 40_960,
    vocab: 151_936,
    hiddenSize: 4096,
    experts: { routed: 128, perToken: 8, shared: 0, moeLayers: 94 },
    files: withDerived(235.09, []),
    source: CONFIG_SOURCE,
  },
  {
    id: 'qwen3-30b-a3b',
    name: 'Qwen3-30B-A3B',
    aliases: ['qwen3 30b', 'qwen 30b', 'qwen3-30b'],
    totalParamsB: 30.53,
    activeParamsB: 3.3,
    layers: 48,
    kvHeads: 4,
    headDim: 128,
    maxContext: 40_960,
    vocab: 151_936,
    hiddenSize: 2048,
    experts: { routed: 128, perToken: 8, shared: 0, moeLayers: 48 },
    files: withDerived(30.53, []),
    source: CONFIG_SOURCE,
  },
  {
    id: 'qwen3-32b',
    name: 'Qwen3 32B',
    aliases: ['qwen3 32b', 'qwen 32b'],
    totalParamsB: 32.76,
    activeParamsB: 32.76,
    layers: 64,
    kvHeads: 8,
    headDim: 128,
    maxContext: 40_960,
    vocab: 151_936,
    hiddenSize: 5120,
    files: withDerived(32.76, []),
    source: CONFIG_SOURCE,
  },
  {
    id: 'gpt-oss-120b',
    name: 'gpt-oss-120b',
    aliases: ['gpt-oss 120b', 'gptoss 120b', 'oss 120b'],
    totalParamsB: 116.83,
    activeParamsB: 5.1,
    layers: 36,
    kvHeads: 8,
    headDim: 64,
    maxContext: 131_072,
    vocab: 201_088,
    hiddenSize: 2880,
    attention: { window: 128, windowedLayers: 18 },
    experts: { routed: 128, perToken: 4, shared: 0, moeLayers: 36 },
    files: withDerived(116.83, [
      // Attention and embeddings stay BF16 beside MXFP4 experts, so a token reads
      // more than size × active/total: 3.5 GB per data/speed-calibration.json.
      { ...published('MXFP4', 63.37, CALIBRATION), readGBPerToken: 3.5 },
    ]),
    source: CONFIG_SOURCE,
  },
  {
    id: 'gpt-oss-20b',
    name: 'gpt-oss-20b',
    aliases: ['gpt-oss 20b', 'gptoss 20b', 'oss 20b'],
    totalParamsB: 20.9,
    activeParamsB: 3.6,
    layers: 24,
    kvHeads: 8,
    headDim: 64,
    maxContext: 131_072,
    vocab: 201_088,
    hiddenSize: 2880,
    attention: { window: 128, windowedLayers: 12 },
    experts: { routed: 32, perToken: 4, shared: 0, moeLayers: 24 },
    files: withDerived(20.9, [
      {
        quant: 'MXFP4',
        sizeGB: round1((20.9 * 4.25) / 8),
        derived: true,
        source: 'derived: 4.25 bits per weight (MXFP4: 4-bit values + an 8-bit scale per 32)',
      },
    ]),
    source: CONFIG_SOURCE,
  },
  {
    id: 'mixtral-8x7b',
    name: 'Mixtral 8x7B',
    aliases: ['mixtral', 'mixtral 8x7b'],
    totalParamsB: 46.7,
    activeParamsB: 12.9,
    layers: 32,
    kvHeads: 8,
    headDim: 128,
    maxContext: 32_768,
    vocab: 32_000,
    hiddenSize: 4096,
    experts: { routed: 8, perToken: 2, shared: 0, moeLayers: 32 },
    files: withDerived(46.7, []),
    source: CONFIG_SOURCE,
  },
  {
    id: 'gemma-3-27b',
    name: 'Gemma 3 27B',
    aliases: ['gemma 3 27b', 'gemma3 27b', 'gemma 27b', 'gemma'],
    totalParamsB: 27,
    activeParamsB: 27,
    layers: 62,
    kvHeads: 16,
    headDim: 128,
    maxContext: 131_072,
    vocab: 262_144,
    hiddenSize: 5376,
    attention: { window: 1024, windowedLayers: 52 },
    files: withDerived(27, []),
    source: CONFIG_SOURCE,
  },
];
