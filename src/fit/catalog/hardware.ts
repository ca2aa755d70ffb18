import type { HardwareSpec, PriceQuote } from './types.ts';

// Memory and bandwidth: vendor specifications as collected in REFERENCE.md
// ("Hardware"); memory type (HBM or not) and the chip behind each speedSibling:
// the vendors' spec sheets; devices that appear only in data/speed-calibration.json take the
// bandwidth that file records for them. Board power: vendor spec sheets (TDP).
const REF = 'vendor spec (REFERENCE.md, Hardware)';
const CAL = 'bandwidth as recorded in data/speed-calibration.json; memory: vendor spec';
const RUNPOD = 'RunPod pricing page (REFERENCE.md, Prices)';
const SPEC = 'vendor spec sheet (memory, bandwidth, board power)';

function runpod(community: number | undefined, secure: number | undefined, date: string) {
  const quote = (perGpuHourUsd: number): PriceQuote => ({ perGpuHourUsd, date, source: RUNPOD });
  return {
    ...(community !== undefined ? { community: quote(community) } : {}),
    ...(secure !== undefined ? { secure: quote(secure) } : {}),
  };
}

/**
 * Default host RAM when the user gives none: a desktop with a consumer GPU has
 * 64 GB (an ESTIMATE). Data-centre GPUs get none by default: a rented pod's RAM
 * varies by offer, so offloading there is only weighed when `ram` is given.
 */
const DESKTOP_RAM_GB = 64;

function nvidia(
  id: string,
  name: string,
  aliases: string[],
  memoryGB: number,
  bandwidthGBps: number,
  extra: Partial<HardwareSpec> = {},
): HardwareSpec {
  const datacenter = extra.datacenter ?? false;
  return {
    id,
    name,
    aliases,
    kind: 'nvidia',
    memoryGB,
    bandwidthGBps,
    ...(datacenter ? {} : { hostRamGB: DESKTOP_RAM_GB }),
    source: REF,
    ...extra,
  };
}

/**
 * Apple publishes only idle and maximum power per machine, not GPU-bound package
 * power: these per-tier figures are ESTIMATES of a chip decoding on its GPU
 * (base 20 W, Pro 40 W, Max 90 W, Ultra 180 W), for the electricity line only.
 */
const APPLE_LOAD_POWER_W = { base: 20, pro: 40, max: 90, ultra: 180 } as const;

function apple(
  id: string,
  name: string,
  aliases: string[],
  memoryOptionsGB: number[],
  bandwidthGBps: number,
  source = REF,
): HardwareSpec {
  const tier = /ultra/i.test(name) ? 'ultra' : /max/i.test(name) ? 'max' : /pro/i.test(name) ? 'pro' : 'base';
  return {
    id,
    name,
    aliases,
    kind: 'apple',
    memoryGB: Math.max(...memoryOptionsGB),
    memoryOptionsGB,
    bandwidthGBps,
    boardPowerW: APPLE_LOAD_POWER_W[tier],
    source: `${source}; memory options: apple.com tech specs`,
  };
}

export const HARDWARE: readonly HardwareSpec[] = [
  nvidia('h100-sxm', 'H100 SXM', ['h100', 'h100 sxm', 'h100 sxm5', 'h100 80gb'], 80, 3350, {
    hbm: true,
    datacenter: true,
    boardPowerW: 700,
    prices: {
      ...runpod(2.69, undefined, '2026'),
      // Secure cloud H100 SXM moved from $3.29 (Aug 2026) to $3.49 (Sep–Oct) to $3.99 (Nov 2026).
      secure: { perGpuHourUsd: 3.99, date: '2026-11', source: RUNPOD },
    },
  }),
  nvidia('h100-pcie', 'H100 PCIe', ['h100 pcie'], 80, 2000, {
    hbm: true,
    datacenter: true,
    boardPowerW: 350,
    prices: runpod(1.99, 2.89, '2026'),
  }),
  nvidia('h100-nvl', 'H100 NVL', ['h100 nvl'], 94, 3900, {
    hbm: true,
    datacenter: true,
    boardPowerW: 400,
    prices: runpod(2.59, 3.19, '2026'),
  }),
  nvidia('h200', 'H200', ['h200', 'h200 sxm'], 141, 4800, {
    hbm: true,
    datacenter: true,
    boardPowerW: 700,
    prices: runpod(undefined, 4.59, '2026'),
  }),
  nvidia('a100-sxm-80gb', 'A100 SXM 80GB', ['a100', 'a100 sxm', 'a100 80gb', 'a100 sxm 80gb'], 80, 2039, {
    hbm: true,
    datacenter: true,
    boardPowerW: 400,
    // Secure A100 SXM is listed at $1.59–1.79: the upper figure, so cost is not understated.
    prices: runpod(1.39, 1.79, '2026'),
  }),
  nvidia('a100-pcie-80gb', 'A100 PCIe 80GB', ['a100 pcie', 'a100 pcie 80gb'], 80, 1935, {
    hbm: true,
    datacenter: true,
    boardPowerW: 300,
  }),
  nvidia('a100-40gb', 'A100 40GB', ['a100 40gb'], 40, 1555, { datacenter: true, hbm: true, boardPowerW: 400 }),
  nvidia('l40s', 'L40S', ['l40s'], 48, 864, {
    datacenter: true,
    boardPowerW: 350,
    prices: runpod(0.79, 1.4, '2026'),
  }),
  nvidia('rtx-3090', 'RTX 3090', ['3090', 'rtx3090', 'rtx 3090'], 24, 936, {
    boardPowerW: 350,
    prices: runpod(0.22, 0.39, '2026'),
  }),
  nvidia('rtx-4090', 'RTX 4090', ['4090', 'rtx4090', 'rtx 4090'], 24, 1008, {
    boardPowerW: 450,
    prices: runpod(0.34, 0.6, '2026'),
  }),
  nvidia('rtx-5090', 'RTX 5090', ['5090', 'rtx5090', 'rtx 5090'], 32, 1792, {
    boardPowerW: 575,
    speedSibling: 'rtx-pro-6000', // same GB202 chip and 1,792 GB/s GDDR7
    prices: runpod(0.69, 1.22, '2026'),
  }),
  nvidia('rtx-5080', 'RTX 5080', ['5080', 'rtx5080', 'rtx 5080'], 16, 960, {
    boardPowerW: 360,
    source: CAL,
  }),
  nvidia('rtx-5060-ti-16gb', 'RTX 5060 Ti 16GB', ['5060 ti', 'rtx 5060 ti', 'rtx5060ti'], 16, 448, {
    boardPowerW: 180,
    speedSibling: 'rtx-5080', // Blackwell, GDDR7
  }),
  nvidia('rtx-pro-6000', 'RTX PRO 6000 Blackwell', ['rtx pro 6000', 'rtx pro 6000 blackwell', 'pro 6000'], 96, 1792, {
    boardPowerW: 600,
    source: CAL,
  }),
  nvidia('dgx-spark', 'NVIDIA DGX Spark (GB10)', ['dgx spark', 'spark', 'gb10', 'dgx spark gb10'], 128, 273, {
    unified: true,
    boardPowerW: 140, // GB10 superchip TDP (NVIDIA)
  }),
  // More GPUs common in teams' boxes and in public llama.cpp benchmarks: memory,
  // bandwidth and board power from the vendors' spec sheets; no rental price known.
  nvidia('rtx-3070', 'RTX 3070', ['3070', 'rtx3070', 'rtx 3070'], 8, 448, { boardPowerW: 220, source: SPEC }),
  // GA102 with GDDR6X, like the RTX 3090.
  nvidia('rtx-3080', 'RTX 3080 10GB', ['3080', 'rtx3080', 'rtx 3080'], 10, 760, {
    boardPowerW: 320,
    speedSibling: 'rtx-3090',
    source: SPEC,
  }),
  nvidia('rtx-3080-ti', 'RTX 3080 Ti', ['3080 ti', 'rtx 3080 ti', 'rtx3080ti'], 12, 912, {
    boardPowerW: 350,
    speedSibling: 'rtx-3090',
    source: SPEC,
  }),
  nvidia('rtx-4060-ti-16gb', 'RTX 4060 Ti 16GB', ['4060 ti', 'rtx 4060 ti', 'rtx4060ti'], 16, 288, {
    boardPowerW: 165,
    source: SPEC,
  }),
  // Ada with GDDR6X, like the RTX 4090.
  nvidia('rtx-4070-ti', 'RTX 4070 Ti', ['4070 ti', 'rtx 4070 ti', 'rtx4070ti'], 12, 504, {
    boardPowerW: 285,
    speedSibling: 'rtx-4090',
    source: SPEC,
  }),
  nvidia('rtx-4080', 'RTX 4080', ['4080', 'rtx4080', 'rtx 4080'], 16, 717, {
    boardPowerW: 320,
    speedSibling: 'rtx-4090',
    source: SPEC,
  }),
  nvidia('rtx-a6000', 'RTX A6000', ['a6000', 'rtx a6000'], 48, 768, { boardPowerW: 300, source: SPEC }),
  nvidia('rtx-4000-ada', 'RTX 4000 Ada', ['rtx 4000 ada', '4000 ada'], 20, 360, { boardPowerW: 130, source: SPEC }),
  nvidia('rtx-5000-ada', 'RTX 5000 Ada', ['rtx 5000 ada', '5000 ada'], 32, 576, { boardPowerW: 250, source: SPEC }),
  nvidia('rtx-6000-ada', 'RTX 6000 Ada', ['rtx 6000 ada', '6000 ada'], 48, 960, {
    boardPowerW: 300,
    speedSibling: 'l40s', // same AD102 chip with GDDR6
    source: SPEC,
  }),
  nvidia('a40', 'A40', ['a40'], 48, 696, { datacenter: true, boardPowerW: 300, source: SPEC }),
  nvidia('a10', 'A10', ['a10'], 24, 600, { datacenter: true, boardPowerW: 150, source: SPEC }),
  nvidia('l4', 'L4', ['l4'], 24, 300, { datacenter: true, boardPowerW: 72, source: SPEC }),
  nvidia('t4', 'T4', ['t4'], 16, 320, { datacenter: true, boardPowerW: 70, source: SPEC }),
  nvidia('v100-32gb', 'V100 32GB', ['v100', 'v100 32gb'], 32, 900, {
    hbm: true,
    datacenter: true,
    boardPowerW: 300,
    source: SPEC,
  }),
  {
    id: 'rx-7900-xtx',
    name: 'Radeon RX 7900 XTX',
    aliases: ['7900 xtx', 'rx 7900 xtx', 'rx7900xtx'],
    kind: 'amd',
    memoryGB: 24,
    bandwidthGBps: 960,
    boardPowerW: 355,
    hostRamGB: DESKTOP_RAM_GB,
    source: SPEC,
  },
  {
    id: 'mi300x',
    name: 'AMD MI300X',
    aliases: ['mi300x', 'mi300'],
    kind: 'amd',
    memoryGB: 192,
    bandwidthGBps: 5300,
    hbm: true,
    datacenter: true,
    boardPowerW: 750,
    source: REF,
  },
  {
    id: 'strix-halo',
    name: 'AMD Ryzen AI Max+ 395 (Strix Halo)',
    aliases: ['strix halo', 'ryzen ai max+ 395', 'ryzen ai max 395', 'ai max+ 395', 'ai max 395'],
    kind: 'amd',
    memoryGB: 128,
    bandwidthGBps: 256,
    unified: true,
    boardPowerW: 120, // top of AMD's configurable TDP range for the 395
    source: REF,
  },
  apple('m1', 'Apple M1', ['m1'], [8, 16], 68.25, CAL),
  apple('m1-max', 'Apple M1 Max', ['m1 max'], [32, 64], 400, CAL),
  apple('m1-pro', 'Apple M1 Pro', ['m1 pro'], [16, 32], 200, SPEC),
  {
    ...apple('m1-ultra', 'Apple M1 Ultra', ['m1 ultra', 'mac studio m1 ultra'], [64, 128], 800, SPEC),
    speedSibling: 'm1-max', // two M1 Max dies
  },
  apple('m2', 'Apple M2', ['m2'], [8, 16, 24], 100, CAL),
  apple('m2-pro', 'Apple M2 Pro', ['m2 pro'], [16, 32], 200, CAL),
  apple('m2-max', 'Apple M2 Max', ['m2 max'], [32, 64, 96], 400, CAL),
  apple('m2-ultra', 'Apple M2 Ultra', ['m2 ultra', 'mac studio m2 ultra'], [64, 128, 192], 800),
  apple('m3', 'Apple M3', ['m3'], [8, 16, 24], 100, SPEC),
  apple('m3-pro', 'Apple M3 Pro', ['m3 pro'], [18, 36], 150, CAL),
  apple('m3-max', 'Apple M3 Max', ['m3 max'], [36, 48, 64, 96, 128], 400),
  apple('m3-ultra', 'Apple M3 Ultra', ['m3 ultra', 'mac studio m3 ultra'], [96, 256, 512], 819),
  apple('m4', 'Apple M4', ['m4', 'mac mini m4'], [16, 24, 32], 120, CAL),
  apple('m4-pro', 'Apple M4 Pro', ['m4 pro', 'mac mini m4 pro'], [24, 48, 64], 273),
  // The 36 GB M4 Max ships with the 32-core GPU (410 GB/s); the others with 40 cores.
  {
    ...apple('m4-max-32c', 'Apple M4 Max (32-core GPU)', ['m4 max 32c', 'm4 max 32-core'], [36], 410),
    variantOf: 'm4-max',
    speedSibling: 'm4-max',
  },
  apple('m4-max', 'Apple M4 Max (40-core GPU)', ['m4 max', 'm4 max 40c', 'macbook pro m4 max'], [48, 64, 128], 546),
];
