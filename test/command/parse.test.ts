import { describe, expect, it } from 'vitest';
import { fitSpec } from '../../commands/fit.ts';
import { parseNamed, parseText } from '../../src/command/parse.ts';
import type { CommandSpec } from '../../src/command/spec.ts';
import { UserError } from '../../src/errors.ts';

const askLike = {
  name: 'ask',
  description: 'ask',
  options: [
    { name: 'model', description: 'm', type: 'string', choices: ['auto', 'scout', 'maverick'] },
    { name: 'prompt', description: 'p', type: 'string', required: true, positional: 'rest' },
  ],
} as const satisfies CommandSpec;

describe('parseText for /fit', () => {
  it.each([
    ['maverick q3 2xh100', { model: 'maverick', quant: 'q3', hardware: '2xh100' }],
    ['llama4 maverick Q3_K_M 4x h100 sxm', { model: 'llama4 maverick', quant: 'Q3_K_M', hardware: '4x h100 sxm' }],
    ['scout q4 m4 max 128gb', { model: 'scout', quant: 'q4', hardware: 'm4 max 128gb' }],
    [
      'scout ud-q2_k_xl mac studio m3 ultra 512',
      { model: 'scout', quant: 'ud-q2_k_xl', hardware: 'mac studio m3 ultra 512' },
    ],
    ['maverick fp8 8xh200 context:32k', { model: 'maverick', quant: 'fp8', hardware: '8xh200', context: 32768 }],
    [
      'maverick q4 4xh100 context=1m parallel:4',
      { model: 'maverick', quant: 'q4', hardware: '4xh100', context: 1048576, parallel: 4 },
    ],
    [
      'scout q4 rtx4090 ram: 128 hours: 3/week',
      { model: 'scout', quant: 'q4', hardware: 'rtx4090', ram: 128, hours: '3/week' },
    ],
    ['model:"llama 3 70b" quant:q4 hardware:2x4090', { model: 'llama 3 70b', quant: 'q4', hardware: '2x4090' }],
    ['qwen3 30b 4bit rtx 3090', { model: 'qwen3 30b', quant: '4bit', hardware: 'rtx 3090' }],
  ])('GIVEN %j THEN %j', (text, expected) => {
    expect(parseText(fitSpec, text)).toEqual(expected);
  });

  it.each([
    ['', /model is missing; quant is missing; hardware is missing — usage: \/fit <model> <quant> <hardware>/],
    ['maverick', /quant is missing/],
    ['maverick q3 2xh100 context:lots', /context must be a whole number/],
    ['maverick q3 2xh100 context:0', /context must be at least 1/],
    ['maverick q3 2xh100 parallel:1.5', /parallel must be a whole number/],
    ['maverick q3 2xh100 context:1 context:2', /context is given twice/],
  ])('GIVEN %j THEN UserError %s', (text, message) => {
    expect(() => parseText(fitSpec, text)).toThrow(UserError);
    expect(() => parseText(fitSpec, text)).toThrow(message);
  });
});

it('GIVEN 21,000 characters THEN UserError: too long', () => {
  expect(() => parseText(fitSpec, 'x'.repeat(21_000))).toThrow(/too long/);
});

describe('parseText with a rest option', () => {
  it('GIVEN named options first THEN the rest is kept verbatim, even with colons', () => {
    expect(parseText(askLike, 'model:scout what is  2+2? note: be brief')).toEqual({
      model: 'scout',
      prompt: 'what is  2+2? note: be brief',
    });
  });
  it('GIVEN a name:value after the prompt began THEN it is part of the prompt', () => {
    expect(parseText(askLike, 'explain model:maverick')).toEqual({ prompt: 'explain model:maverick' });
  });
  it('GIVEN control characters THEN they are removed', () => {
    expect(parseText(askLike, 'hi\u0007 there\u0000')).toEqual({ prompt: 'hi there' });
  });
  it('GIVEN a bad choice THEN the choices are listed', () => {
    expect(() => parseText(askLike, 'model:gpt5 hi')).toThrow(/model must be one of auto, scout, maverick/);
  });
});

describe('parseNamed (Discord options)', () => {
  it('GIVEN typed values THEN they pass through', () => {
    expect(parseNamed(fitSpec, { model: 'maverick', quant: 'q3', hardware: '2xh100', context: 8192 })).toEqual({
      model: 'maverick',
      quant: 'q3',
      hardware: '2xh100',
      context: 8192,
    });
  });
  it('GIVEN an unknown option THEN a UserError', () => {
    expect(() => parseNamed(fitSpec, { model: 'm', quant: 'q', hardware: 'h', colour: 'red' })).toThrow(
      /unknown option 'colour'/,
    );
  });
});
