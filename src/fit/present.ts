import type { Reply, ReplyField } from '../command/reply.ts';
import type { PriceQuote } from './catalog/types.ts';
import { usd } from './cost.ts';
import type { Alternative, FitResult, Verdict } from './engine.ts';
import { type LaunchPlan, launchPlan } from './launch.ts';

const VERDICT_TEXT: Readonly<Record<Verdict, string>> = {
  fits: 'fits',
  tight: 'fits tightly',
  'raise-limit': 'fits only after raising the GPU memory limit',
  offload: 'fits only with weights in system RAM',
  'no-fit': 'does not fit',
};

const TONE: Readonly<Record<Verdict, NonNullable<Reply['tone']>>> = {
  fits: 'success',
  tight: 'warning',
  'raise-limit': 'warning',
  offload: 'warning',
  'no-fit': 'error',
};

export function gb(x: number): string {
  return `${x.toFixed(1)} GB`;
}

/** Two significant figures below 10, whole numbers above. */
export function tokensPerSec(x: number): string {
  return x >= 10 ? Math.round(x).toString() : x.toPrecision(2);
}

/** `8192` → `8K`, `1048576` → `1M`, `112982` → `110K`. */
export function contextLabel(tokens: number): string {
  if (tokens >= 1024 * 1024 && tokens % (1024 * 1024) === 0) return `${tokens / (1024 * 1024)}M`;
  if (tokens >= 1024) return `${Math.floor(tokens / 1024)}K`;
  return `${tokens}`;
}

function hardwareLabel(count: number, name: string, memoryGB?: number): string {
  const sized = memoryGB !== undefined ? `${name} ${memoryGB} GB` : name;
  return count > 1 ? `${count}× ${sized}` : sized;
}

function quote(q: PriceQuote | undefined, tier: string): string | undefined {
  return q ? `${tier} ${usd(q.perGpuHourUsd)}/GPU-h (${q.date})` : undefined;
}

function verdictSentence(r: FitResult): string {
  const { evaluation: e, config } = r;
  const m = e.memory;
  const share = m.availableGB > 0 ? Math.round((100 * m.headroomGB) / m.availableGB) : 0;
  switch (e.verdict) {
    case 'fits':
      return `**Fits**, with ${gb(m.headroomGB)} to spare (${share} % of ${gb(m.availableGB)} usable).`;
    case 'tight':
      return `**Fits tightly**: ${gb(m.headroomGB)} to spare (${share} % of ${gb(m.availableGB)} usable).`;
    case 'raise-limit':
      return `**Does not fit by default**: macOS lets the GPU use about ${gb(m.defaultAvailableGB ?? 0)}; it fits after raising the limit to ${gb(m.availableGB)} (until reboot), with ${gb(m.headroomGB)} to spare.`;
    case 'offload': {
      const o = e.offload;
      if (!o) return '**Fits only with weights in system RAM.**';
      const how =
        o.kind === 'experts'
          ? `the MoE experts of ${o.expertLayersInRam} of ${config.model.experts?.moeLayers} MoE layers in system RAM (\`--n-cpu-moe ${o.cpuMoeLayers}\`: blocks 0–${o.cpuMoeLayers - 1})`
          : `${config.model.layers - o.gpuLayers} of ${config.model.layers} layers in system RAM (\`-ngl ${o.gpuLayers}\`)`;
      return `**Does not fit in GPU memory** (${gb(m.requiredGB)} needed, ${gb(m.availableGB)} usable); runs with ${how}, using ${gb(o.ramNeededGB)} of the host's ${config.ramGB} GB RAM.`;
    }
    case 'no-fit':
      return `**Does not fit**: needs ${gb(m.requiredGB)}, ${hardwareLabel(config.count, config.device.name)} offers ${gb(
        config.device.kind === 'apple' ? (m.raisedAvailableGB ?? m.availableGB) : m.availableGB,
      )}${config.device.kind === 'apple' ? ' even with the GPU limit raised' : ''}.`;
  }
}

function memoryField(r: FitResult): ReplyField {
  const m = r.evaluation.memory;
  const kv = m.kvType === 'f16' ? 'f16' : `${m.kvType}, quantised to fit`;
  const lines = [
    `weights ${gb(m.weightsGB)} + KV cache ${gb(m.kvCacheGB)} (${contextLabel(r.config.contextTokens)} ctx × ${r.config.parallel}, ${kv}) + runtime ${gb(m.overheadGB)} est. = **${gb(m.requiredGB)}**`,
  ];
  if (r.maxContextTokens > 0)
    lines.push(`largest context that fits: ${contextLabel(r.maxContextTokens)} tokens per sequence`);
  return { name: 'Memory', value: lines.join('\n') };
}

function speedField(r: FitResult): ReplyField {
  const s = r.evaluation.speed;
  const lines = [
    `~${tokensPerSec(s.decodeTokensPerSec)} tok/s est. (${tokensPerSec(s.low)}–${tokensPerSec(s.high)}), one stream, short context`,
  ];
  if (s.atContextTokensPerSec < s.decodeTokensPerSec * 0.95) {
    lines.push(
      `~${tokensPerSec(s.atContextTokensPerSec)} tok/s with ${contextLabel(r.config.contextTokens)} of context`,
    );
  }
  if (s.prompt) {
    const cited = /https?:\/\/\S+/.exec(s.prompt.source)?.[0] ?? 'data/speed-calibration.json';
    lines.push(`prompt processing ${Math.round(s.prompt.tokensPerSec)} tok/s (measured with llama.cpp; ${cited})`);
  }
  if (s.bound === 'system-ram') lines.push('bounded by system RAM (50–80 GB/s for dual-channel DDR5)');
  if (r.config.count > 1) {
    // REFERENCE.md: layer split adds memory, not bandwidth; tensor parallel adds bandwidth but gains little at batch 1.
    lines.push(
      r.config.file.runtime === 'vllm'
        ? `${r.config.count} GPUs in vLLM tensor parallel: more bandwidth, but little gain for one stream (none assumed here)`
        : `${r.config.count} GPUs split by layer add memory, not speed`,
    );
  }
  if (s.longContextWarning) lines.push('⚠ past 32K of context, llama.cpp decodes 1.5–2.5× slower than this');
  return {
    name: r.evaluation.verdict === 'no-fit' ? 'Speed (if it fitted)' : 'Speed',
    value: lines.join('\n'),
  };
}

function costField(r: FitResult): ReplyField {
  const c = r.evaluation.cost;
  const lines: string[] = [];
  if (c.basis === 'no-rental-price') {
    lines.push(
      `no rental price in the catalog for ${r.config.device.name}, so no cost per hour or per 1M tokens (add your price with --catalog)`,
    );
  } else if (c.perHourUsd === null) {
    lines.push('no price or board power in the catalog (add one with --catalog)');
  } else {
    const basis =
      c.basis === 'electricity' && c.electricity
        ? // Board power is a rating (or, for Apple, an estimate), not a measured draw.
          `est. electricity: ${c.electricity.watts} W board power × ${usd(c.electricity.usdPerKwh)}/kWh`
        : c.basis === 'team-price'
          ? "your catalog's price"
          : `${r.config.count} × ${usd(c.price?.perGpuHourUsd ?? 0)} RunPod ${c.basis === 'rental-secure' ? 'secure' : 'community'}, ${c.price?.date}`;
    lines.push(`**${usd(c.perHourUsd)}/h** (${basis})`);
    if (c.per1MTokensUsd !== null)
      lines.push(
        `${usd(c.per1MTokensUsd)} per 1M output tokens at the estimated speed (one stream${r.evaluation.verdict === 'no-fit' ? ', if it fitted' : ''})`,
      );
  }
  const rents = [quote(c.rental.community, 'community'), quote(c.rental.secure, 'secure')].filter(Boolean);
  if (rents.length > 0 && c.basis !== 'rental-secure' && c.basis !== 'rental-community') {
    lines.push(`rent on RunPod: ${rents.join(', ')}`);
  } else if (c.basis === 'rental-secure' && c.rental.community) {
    lines.push(`community cloud: ${usd(c.rental.community.perGpuHourUsd)}/GPU-h`);
  }
  if (c.usage) lines.push(c.usage.formula);
  return { name: 'Cost', value: lines.join('\n') };
}

function alternativeLine(a: Alternative): string {
  const what = `${a.quant} (${gb(a.sizeGB)}) on ${hardwareLabel(a.count, a.hardware)}`;
  const price = a.rentPerHourUsd !== undefined ? `, ${usd(a.rentPerHourUsd)}/h to rent` : '';
  const why =
    a.kind === 'quant-here'
      ? 'largest file that fits here'
      : a.kind === 'more-devices'
        ? 'fewest of these GPUs that hold it'
        : a.kind === 'cheapest-hardware'
          ? 'cheapest rentable hardware that holds it'
          : 'smallest hardware in the catalog that holds a file of this model';
  return `• ${what} — ${VERDICT_TEXT[a.verdict]}, ~${tokensPerSec(a.decodeTokensPerSec)} tok/s est.${price} (${why})`;
}

function runField(plan: LaunchPlan): ReplyField | undefined {
  if (!plan.pod) return undefined;
  const p = plan.pod;
  return {
    name: 'Pod to ask for',
    value: `${p.gpuCount}× ${p.gpu}, a network volume of at least ${p.volumeGB} GB for the model files`,
  };
}

/** The /fit answer as a neutral Reply. */
export function fitReply(r: FitResult): Reply {
  const { config, evaluation } = r;
  const plan = launchPlan(config, evaluation);
  const hw = hardwareLabel(
    config.count,
    config.device.name,
    config.device.memoryOptionsGB ? config.memoryGB : undefined,
  );
  const text: string[] = [];
  if (r.looseQuant) {
    const range =
      config.file.minSizeGB !== undefined
        ? `${config.file.minSizeGB}–${config.file.sizeGB} GB published; the larger is used`
        : `${gb(config.file.sizeGB)}${config.file.derived ? ', derived from bits per weight' : ''}`;
    text.push(`Read your quant as **${config.file.quant}** (${range}).`);
  }
  text.push(verdictSentence(r));
  if (evaluation.verdict === 'no-fit' && config.device.datacenter && r.config.ramGB === 0) {
    text.push('Give `ram:<GB>` with the host’s memory to weigh offloading to system RAM.');
  }
  const fields: ReplyField[] = [memoryField(r), speedField(r), costField(r)];
  if (r.alternatives.length > 0) {
    fields.push({
      name: evaluation.verdict === 'no-fit' ? 'What fits instead' : 'Alternatives',
      value: r.alternatives.map(alternativeLine).join('\n'),
    });
  }
  const pod = runField(plan);
  if (pod) fields.push(pod);
  return {
    title: `${config.model.name} ${config.file.quant} on ${hw}: ${VERDICT_TEXT[evaluation.verdict]}`,
    text: text.join('\n\n'),
    fields,
    ...(plan.command ? { code: plan.command } : {}),
    footer:
      'est. = estimate · memory: published file sizes + llama.cpp KV layout · speed: calibrated on measured llama.cpp runs · prices dated, per RunPod',
    tone: TONE[evaluation.verdict],
  };
}

/** The /fit answer as JSON for `fitbot fit --json` (the contract in docs/CATALOG.md). */
export function fitJson(r: FitResult) {
  const { config, evaluation: e } = r;
  const plan = launchPlan(config, e);
  const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
  return {
    verdict: e.verdict,
    model: { id: config.model.id, name: config.model.name },
    quant: {
      file: config.file.quant,
      sizeGB: config.file.sizeGB,
      derived: Boolean(config.file.derived),
      mappedFromLooseName: r.looseQuant,
    },
    hardware: {
      id: config.device.id,
      name: config.device.name,
      count: config.count,
      memoryGB: config.memoryGB,
    },
    contextTokens: config.contextTokens,
    parallel: config.parallel,
    memory: {
      requiredGB: round(e.memory.requiredGB),
      availableGB: round(e.memory.availableGB),
      headroomGB: round(e.memory.headroomGB),
      weightsGB: round(e.memory.weightsGB),
      kvCacheGB: round(e.memory.kvCacheGB),
      overheadGB: round(e.memory.overheadGB),
      kvCacheType: e.memory.kvType,
      limit: e.memory.limit,
      ...(e.memory.defaultAvailableGB !== undefined
        ? {
            defaultAvailableGB: round(e.memory.defaultAvailableGB),
            raisedAvailableGB: round(e.memory.raisedAvailableGB ?? 0),
          }
        : {}),
      maxContextTokens: r.maxContextTokens,
    },
    ...(e.offload
      ? {
          offload: { ...e.offload, ramNeededGB: round(e.offload.ramNeededGB), ramGB: config.ramGB },
        }
      : {}),
    speed: {
      decodeTokensPerSec: round(e.speed.decodeTokensPerSec, 1),
      low: round(e.speed.low, 1),
      high: round(e.speed.high, 1),
      atContextTokensPerSec: round(e.speed.atContextTokensPerSec, 1),
      promptTokensPerSec: e.speed.prompt ? e.speed.prompt.tokensPerSec : null,
      bound: e.speed.bound,
      estimate: true,
      longContextWarning: e.speed.longContextWarning,
    },
    cost: {
      perHourUsd: e.cost.perHourUsd === null ? null : round(e.cost.perHourUsd, 4),
      per1MTokensUsd: e.cost.per1MTokensUsd === null ? null : round(e.cost.per1MTokensUsd, 4),
      basis: e.cost.basis,
      ...(e.cost.price ? { price: e.cost.price } : {}),
      rental: e.cost.rental,
      ...(e.cost.electricity ? { electricity: e.cost.electricity } : {}),
      ...(e.cost.usage ? { usage: e.cost.usage } : {}),
    },
    alternatives: r.alternatives.map((a) => ({
      ...a,
      requiredGB: round(a.requiredGB),
      availableGB: round(a.availableGB),
      decodeTokensPerSec: round(a.decodeTokensPerSec, 1),
    })),
    launch: plan,
  };
}
