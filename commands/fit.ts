import { defineCommand } from '../src/command/command.ts';
import type { ArgsOf, CommandSpec } from '../src/command/spec.ts';
import { parseUsage } from '../src/fit/cost.ts';
import { type FitRequest, fit } from '../src/fit/engine.ts';
import { fitReply } from '../src/fit/present.ts';

/** A word that names a quant (`q3`, `UD-Q2_K_XL`, `iq1`, `fp8`, `4bit`), where /fit's free text splits. */
export const QUANT_WORD = /^(ud-)?(i?q\d|f16|bf16|fp16|fp8|mxfp4|awq|gptq|int[48]|\d{1,2}-?bits?$)/i;

export const fitSpec = {
  name: 'fit',
  description: 'Will this model fit this hardware, how fast, at what cost?',
  options: [
    {
      name: 'model',
      description: 'Model, e.g. maverick, scout, llama 3 70b',
      type: 'string',
      required: true,
      positional: 'words',
      maxLength: 100,
    },
    {
      name: 'quant',
      description: 'Quantisation, e.g. q4, Q3_K_M, ud-q2_k_xl, iq1, fp8',
      type: 'string',
      required: true,
      positional: 'word',
      pattern: QUANT_WORD,
      maxLength: 40,
    },
    {
      name: 'hardware',
      description: 'Hardware, e.g. 2xh100, rtx4090, m4 max 128gb',
      type: 'string',
      required: true,
      positional: 'words',
      maxLength: 100,
    },
    {
      name: 'context',
      description: 'Context per sequence in tokens (default 8192; 32k works)',
      type: 'integer',
      min: 1,
      max: 10_485_760,
      binarySuffix: true,
      example: '32k',
    },
    {
      name: 'parallel',
      description: 'Sequences served at once (llama-server --parallel; default 1)',
      type: 'integer',
      min: 1,
      max: 256,
      example: '4',
    },
    {
      name: 'ram',
      description: 'Host system RAM in GB, for offloading (default by hardware class)',
      type: 'number',
      min: 0,
      max: 65_536,
      example: '128',
    },
    {
      name: 'hours',
      description: 'Usage to price, e.g. 3/week',
      type: 'string',
      maxLength: 30,
      example: '3/week',
    },
  ],
} as const satisfies CommandSpec;

export const fitCommand = defineCommand({
  spec: fitSpec,
  run(args, ctx) {
    return fitReply(fit(ctx.fit.catalog, fitRequest(args), ctx.fit.engine));
  },
});

/** The engine's request from /fit's parsed arguments (shared with the CLI). */
export function fitRequest(args: ArgsOf<typeof fitSpec>): FitRequest {
  return {
    model: args.model,
    quant: args.quant,
    hardware: args.hardware,
    ...(args.context !== undefined ? { contextTokens: args.context } : {}),
    ...(args.parallel !== undefined ? { parallel: args.parallel } : {}),
    ...(args.ram !== undefined ? { ramGB: args.ram } : {}),
    ...(args.hours !== undefined ? { usage: parseUsage(args.hours) } : {}),
  };
}
