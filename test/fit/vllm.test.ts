import { describe, expect, it } from 'vitest';
import { launchPlan } from '../../src/fit/launch.ts';
import { fitReply } from '../../src/fit/present.ts';
import { fitOf } from '../helpers.ts';

const speedText = (r: ReturnType<typeof fitOf>) =>
  fitReply(r).fields?.find((f) => f.name.startsWith('Speed'))?.value ?? '';

describe('vLLM files', () => {
  it.each([
    [1, 'f16'],
    [4, 'fp8'],
    [8, 'f16'], // fp8 is not enough either: no fit, shown at f16, never q4_0
  ])('GIVEN llama 405b fp8 on 8×H100 at 128K × %i THEN the KV cache is %s, a type vLLM has', (parallel, kvType) => {
    const r = fitOf('llama 405b', 'fp8', '8xh100', { contextTokens: 131072, parallel });
    expect(r.config.file.runtime).toBe('vllm');
    expect(r.evaluation.memory.kvType).toBe(kvType);
  });

  it('GIVEN the fp8 KV cache fits THEN vllm serve gets --kv-cache-dtype fp8 and no llama.cpp flags', () => {
    const r = fitOf('llama 405b', 'fp8', '8xh100', { contextTokens: 131072, parallel: 4 });
    const command = launchPlan(r.config, r.evaluation).command ?? '';
    expect(command).toMatch(/^vllm serve .* --tensor-parallel-size 8 .*--kv-cache-dtype fp8 /);
    expect(command).not.toMatch(/-ctk|-ctv|q4_0|q8_0/);
  });

  it('GIVEN the f16 KV cache fits THEN no --kv-cache-dtype', () => {
    const r = fitOf('llama 405b', 'fp8', '8xh100', { contextTokens: 131072 });
    expect(launchPlan(r.config, r.evaluation).command).not.toContain('--kv-cache-dtype');
  });

  it('GIVEN several GPUs under vLLM THEN the speed line speaks of tensor parallel, not a layer split', () => {
    const text = speedText(fitOf('llama 405b', 'fp8', '8xh100'));
    expect(text).toContain('8 GPUs in vLLM tensor parallel');
    expect(text).not.toContain('split by layer');
  });

  it('GIVEN several GPUs under llama.cpp THEN the layer-split line stays', () => {
    expect(speedText(fitOf('maverick', 'q4', '4xh100'))).toContain('4 GPUs split by layer add memory, not speed');
  });
});
