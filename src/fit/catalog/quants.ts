/**
 * Quantisation facts (see ../shared/REFERENCE.md, "Quantisation").
 *
 * Whole-file effective bits per weight of llama.cpp GGUF types on large models:
 * higher than the block's nominal bits because sensitive tensors stay in higher
 * types. Source: llama.cpp tools/quantize/README.md and published Llama-3-70B
 * quant sizes.
 */
export const GGUF_BITS_PER_WEIGHT: Readonly<Record<string, number>> = {
  F16: 16,
  BF16: 16,
  Q8_0: 8.5,
  Q6_K: 6.56,
  Q5_K_M: 5.7,
  Q4_K_M: 4.85,
  Q4_0: 4.55,
  IQ4_XS: 4.35,
  Q3_K_M: 3.9,
  Q3_K_S: 3.55,
  IQ3_XXS: 3.15,
  Q2_K: 3.0,
  IQ2_XS: 2.45,
  IQ2_XXS: 2.2,
  IQ1_M: 1.95,
  IQ1_S: 1.8,
};

/**
 * vLLM weight formats, bytes per parameter. FP8 ≈ 1.05; AWQ/GPTQ int4 with
 * group size 128 ≈ 0.55 (an ESTIMATE in REFERENCE.md).
 */
export const VLLM_BYTES_PER_PARAM: Readonly<Record<string, number>> = {
  FP8: 1.05,
  AWQ: 0.55,
};

/** The quants a derived catalog entry lists when no published sizes are known. */
export const STANDARD_GGUF_QUANTS = [
  'F16',
  'Q8_0',
  'Q6_K',
  'Q5_K_M',
  'Q4_K_M',
  'Q4_0',
  'IQ4_XS',
  'Q3_K_M',
  'Q3_K_S',
  'IQ3_XXS',
  'Q2_K',
  'IQ2_XS',
  'IQ2_XXS',
  'IQ1_M',
  'IQ1_S',
] as const;

/**
 * Nominal bits per weight of a quant name, for ordering files by quality and for
 * sizes that were not published. Unsloth's dynamic `UD-` files and `_XL` variants
 * are read as their base type. Returns undefined for names it does not know.
 */
export function bitsPerWeight(quant: string): number | undefined {
  const q = quant.toUpperCase();
  if (q in VLLM_BYTES_PER_PARAM) return (VLLM_BYTES_PER_PARAM[q] ?? 0) * 8;
  if (q === 'MXFP4') return 4.25; // 4-bit values + one 8-bit scale per 32 (OCP MX spec)
  const base = q.replace(/^UD-/, '').replace(/_XL$/, '_M');
  return GGUF_BITS_PER_WEIGHT[base];
}

/** `UD-Q3_K_XL` → `q3`, `IQ1_M` → `iq1`, `BF16` → `f16`: files of one family. */
export function quantFamily(quant: string): string {
  const q = quant.toLowerCase().replace(/^ud-/, '');
  const m = /^(i?q)(\d)/.exec(q);
  if (m) return `${m[1]}${m[2]}`;
  return q === 'bf16' || q === 'fp16' ? 'f16' : q;
}

/**
 * RAM bytes per KV cache element: llama.cpp's `--cache-type-k/v` (f16 = 2;
 * q8_0 ≈ 0.53×, q4_0 ≈ 0.28× f16, REFERENCE.md) and vLLM's
 * `--kv-cache-dtype fp8` (one byte, the format's width).
 */
export const KV_BYTES_PER_ELEMENT = { f16: 2, q8_0: 2 * 0.53, q4_0: 2 * 0.28, fp8: 1 } as const;
export type KvCacheType = keyof typeof KV_BYTES_PER_ELEMENT;

/** KV cache types each runtime offers, least lossy first: vLLM has no q8_0/q4_0 cache, llama.cpp no fp8. */
export const KV_TYPES_BY_RUNTIME: Readonly<Record<'llama.cpp' | 'vllm', readonly KvCacheType[]>> = {
  'llama.cpp': ['f16', 'q8_0', 'q4_0'],
  vllm: ['f16', 'fp8'],
};
