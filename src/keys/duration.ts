import { GatewayError } from "../errors/gateway-error.js";

/** The units of LiteLLM's duration syntax: seconds, minutes, hours, days, weeks, calendar months. */
export type DurationUnit = "s" | "m" | "h" | "d" | "w" | "mo";

/** A key lifetime or budget period: "30s", "10m", "1h", "30d", "1w", "1mo". */
export interface Duration {
  /** A positive whole number. */
  readonly amount: number;
  readonly unit: DurationUnit;
  /** Canonical text ("30d"); what is stored, and what Postgres reads as an interval (see KeyRepository). */
  readonly text: string;
}

const SYNTAX = /^(\d+)(mo|s|m|h|d|w)$/;

const unitMs: Record<Exclude<DurationUnit, "mo">, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Later than this is a typo, not a lifetime (and beyond what dates and intervals hold comfortably). */
const LATEST = Date.UTC(9999, 0, 1);

/**
 * Parses LiteLLM's duration syntax strictly: a positive whole number and one
 * unit, nothing else ("1hr", "30", "-1d" and "1.5h" are refused). Throws
 * INVALID_ARGUMENT naming `field`.
 */
export function parseDuration(text: string, field: string): Duration {
  const match = SYNTAX.exec(text.trim());
  const amount = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
    throw GatewayError.invalidArgument(
      `${field} ${JSON.stringify(text)} is not a duration: use a positive whole number and a unit, as in 30s, 10m, 1h, 30d, 1w or 1mo`,
      field,
    );
  }
  const unit = match[2] as DurationUnit;
  const duration = { amount, unit, text: `${amount}${unit}` };
  // NaN (past what a Date holds) fails this comparison too.
  if (!(addDuration(Date.now(), duration).getTime() < LATEST)) {
    throw GatewayError.invalidArgument(`${field} ${JSON.stringify(text)} is too long`, field);
  }
  return duration;
}

/**
 * `from` plus the duration. Months are calendar months in UTC, the day
 * clamped to the target month's last (Jan 31 + 1mo = Feb 28 or 29), as
 * Postgres adds an interval of months.
 */
export function addDuration(from: Date | number, duration: Duration): Date {
  const start = typeof from === "number" ? from : from.getTime();
  if (duration.unit !== "mo") return new Date(start + duration.amount * unitMs[duration.unit]);
  const date = new Date(start);
  const month = date.getUTCMonth() + duration.amount;
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      date.getUTCFullYear(),
      month,
      Math.min(date.getUTCDate(), lastDay),
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds(),
    ),
  );
}
