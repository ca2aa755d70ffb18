import { UserError } from '../errors.ts';
import type { HardwareSpec, PriceQuote } from './catalog/types.ts';

export type UsagePeriod = 'day' | 'week' | 'month';

export interface Usage {
  hours: number;
  period: UsagePeriod;
}

const PERIOD_HOURS: Readonly<Record<UsagePeriod, number>> = { day: 24, week: 168, month: 730 };

/** `3/week`, `3h/week`, `2 per day`, `40/month` → hours per period. */
export function parseUsage(text: string): Usage {
  const m = /^\s*(\d+(?:\.\d+)?)\s*h?(?:ours?)?\s*(?:\/|per|a)\s*(day|week|month|d|w|wk|mo)\s*$/i.exec(text);
  if (!m?.[1] || !m[2]) {
    throw new UserError(`usage '${text.slice(0, 30)}' not understood — write hours per period, e.g. 3/week`);
  }
  const unit = m[2].toLowerCase();
  const period: UsagePeriod = unit.startsWith('d') ? 'day' : unit.startsWith('w') ? 'week' : 'month';
  const hours = Number(m[1]);
  if (hours > PERIOD_HOURS[period]) {
    throw new UserError(`${hours} hours do not fit in a ${period} (${PERIOD_HOURS[period]} h)`);
  }
  return { hours, period };
}

/** `no-rental-price`: a data-centre part the catalog has no rental quote for, so no cost is given. */
export type CostBasis =
  | 'team-price'
  | 'rental-secure'
  | 'rental-community'
  | 'electricity'
  | 'no-rental-price'
  | 'unknown';

export interface CostEstimate {
  /** Headline cost of running the whole configuration for an hour, USD; null when unknown. */
  perHourUsd: number | null;
  basis: CostBasis;
  /** Per GPU-hour price behind the headline, when it is a rental. */
  price?: PriceQuote;
  rental: { community?: PriceQuote; secure?: PriceQuote };
  electricity?: { watts: number; usdPerKwh: number; perHourUsd: number };
  /** USD per million output tokens for one stream at the estimated speed. */
  per1MTokensUsd: number | null;
  usage?: Usage & { totalUsd: number; formula: string };
}

export interface CostInputs {
  device: HardwareSpec;
  count: number;
  decodeTokensPerSec: number;
  electricityUsdPerKwh: number;
  usage?: Usage;
}

/** Dollars to cents, or to tenths of a cent below $0.10 so small hourly rates do not read as $0.00 or $0.01. */
export function usd(x: number): string {
  if (x !== 0 && Math.abs(x) < 0.1) return `$${x.toFixed(3)}`;
  return `$${x.toFixed(2)}`;
}

/** The rental price a cost is based on: secure cloud when known (dearer, more available), else community. */
export function rentalQuote(device: HardwareSpec): PriceQuote | undefined {
  return device.prices?.secure ?? device.prices?.community;
}

export function roundCents(amountUsd: number): number {
  return Math.round(amountUsd * 100) / 100;
}

/**
 * Cost of a configuration. Data-centre parts are priced as rentals (secure cloud
 * when known, the dearer and more available tier) and get no cost without a
 * rental quote: their electricity is not what using one costs; owned parts by
 * electricity (board power × price per kWh), with rental prices shown beside; a
 * team's own `pricePerHourUsd` beats all. Cost per million tokens = $/h ÷
 * (tok/s × 3600) × 10^6.
 */
export function costEstimate(inputs: CostInputs): CostEstimate {
  const { device, count } = inputs;
  const rental = device.prices ?? {};
  const watts = device.boardPowerW !== undefined ? device.boardPowerW * count : undefined;
  const electricity =
    watts !== undefined
      ? {
          watts,
          usdPerKwh: inputs.electricityUsdPerKwh,
          perHourUsd: (watts / 1000) * inputs.electricityUsdPerKwh,
        }
      : undefined;

  let perHourUsd: number | null = null;
  let basis: CostBasis = 'unknown';
  let price: PriceQuote | undefined;
  const quote = rentalQuote(device);
  if (device.pricePerHourUsd !== undefined) {
    perHourUsd = device.pricePerHourUsd * count;
    basis = 'team-price';
  } else if (quote && (device.datacenter || !electricity)) {
    price = quote;
    perHourUsd = quote.perGpuHourUsd * count;
    basis = rental.secure ? 'rental-secure' : 'rental-community';
  } else if (device.datacenter) {
    basis = 'no-rental-price';
  } else if (electricity) {
    perHourUsd = electricity.perHourUsd;
    basis = 'electricity';
  }

  const per1MTokensUsd =
    perHourUsd !== null && inputs.decodeTokensPerSec > 0
      ? (perHourUsd / (inputs.decodeTokensPerSec * 3600)) * 1e6
      : null;

  const estimate: CostEstimate = {
    perHourUsd,
    basis,
    rental,
    per1MTokensUsd,
    ...(price ? { price } : {}),
    ...(electricity ? { electricity } : {}),
  };
  if (inputs.usage && perHourUsd !== null) {
    const totalUsd = roundCents(inputs.usage.hours * perHourUsd);
    const unit = price ? `${count} GPU${count > 1 ? 's' : ''} × ${usd(price.perGpuHourUsd)}` : `${usd(perHourUsd)}/h`;
    estimate.usage = {
      ...inputs.usage,
      totalUsd,
      formula: `${inputs.usage.hours} h × ${unit} = $${totalUsd.toFixed(2)} a ${inputs.usage.period}`,
    };
  }
  return estimate;
}
