import { rentalQuote } from './cost.ts';
import type { Evaluation, FitConfig } from './engine.ts';
import { OS_RESERVE_GIB } from './memory.ts';

/** Port fitbot's Scout worker expects llama-server on by default. */
export const LLAMA_SERVER_PORT = 8080;

/** Extra room on a pod's volume beyond the model files, for logs and a second download: 10 %. */
const VOLUME_MARGIN = 1.1;

export interface LaunchPlan {
  /** The command line that runs this configuration, or undefined when nothing fits. */
  command?: string;
  /** For data-centre GPUs with a rental price that hold the configuration: what to ask RunPod for. */
  pod?: { gpu: string; gpuCount: number; volumeGB: number };
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

/**
 * `--tensor-split` from blocks per GPU: llama.cpp gives each GPU a run of blocks
 * in proportion to these numbers, so the counts reproduce the split exactly;
 * reduced (24,24 → 1,1) for reading.
 */
function tensorSplit(blocksPerDevice: readonly number[]): string {
  const divisor = blocksPerDevice.reduce(greatestCommonDivisor, 0) || 1;
  return blocksPerDevice.map((n) => n / divisor).join(',');
}

function modelArgument(config: FitConfig): string {
  const { model, file } = config;
  if (model.ggufRepo && !file.derived) return `-hf ${model.ggufRepo}:${file.quant}`;
  return `-m ${model.id}-${file.quant}.gguf`;
}

/**
 * How to run the verdict: llama-server's flags (all layers on the GPUs with
 * `-ngl 99`, `--n-cpu-moe N` or a lower `-ngl` when weights go to RAM, total
 * context = per-sequence context × slots, a `--tensor-split` that balances what
 * each GPU holds, a quantised
 * KV cache with flash attention when that is what makes it fit), or `vllm serve`
 * for vLLM formats (tensor parallel over all GPUs, an fp8 KV cache when needed).
 */
export function launchPlan(config: FitConfig, evaluation: Evaluation): LaunchPlan {
  // Nothing to run and no pod to rent for a configuration that does not fit: the alternatives say what would.
  if (evaluation.verdict === 'no-fit') return {};
  // A pod only where RunPod is known to rent the part: the catalog has its price.
  const pod =
    config.device.datacenter && rentalQuote(config.device)
      ? {
          gpu: config.device.name,
          gpuCount: config.count,
          volumeGB: Math.ceil(config.file.sizeGB * VOLUME_MARGIN),
        }
      : undefined;

  const totalContext = config.contextTokens * config.parallel;
  let command: string;
  if (config.file.runtime === 'vllm') {
    command = [
      `vllm serve <${config.model.name} ${config.file.quant} checkpoint>`,
      `--tensor-parallel-size ${config.count}`,
      `--max-model-len ${config.contextTokens}`,
      `--max-num-seqs ${config.parallel}`,
      ...(evaluation.memory.kvType === 'fp8' ? ['--kv-cache-dtype fp8'] : []),
      `--port ${LLAMA_SERVER_PORT}`,
    ].join(' ');
  } else {
    const offload = evaluation.offload;
    const args = [
      'llama-server',
      modelArgument(config),
      offload?.kind === 'layers' ? `-ngl ${offload.gpuLayers}` : '-ngl 99',
      ...(offload?.kind === 'experts' ? [`--n-cpu-moe ${offload.cpuMoeLayers}`] : []),
      `-c ${totalContext}`,
      `--parallel ${config.parallel}`,
      ...(config.count > 1 && evaluation.blocksPerDevice
        ? [`--tensor-split ${tensorSplit(evaluation.blocksPerDevice)}`]
        : []),
      ...(evaluation.memory.kvType !== 'f16'
        ? ['-fa on', `-ctk ${evaluation.memory.kvType}`, `-ctv ${evaluation.memory.kvType}`]
        : []),
      '--metrics',
      `--port ${LLAMA_SERVER_PORT}`,
    ];
    command = args.join(' ');
  }
  const raise =
    evaluation.verdict === 'raise-limit'
      ? `sudo sysctl iogpu.wired_limit_mb=${Math.floor((config.memoryGB - OS_RESERVE_GIB) * 1024)} && `
      : '';
  return { command: raise + command, ...(pod ? { pod } : {}) };
}
