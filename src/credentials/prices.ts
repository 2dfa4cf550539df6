/**
 * A small static price table for the cost exposure of what an attacker launched: on-demand Linux
 * prices in us-east-1, USD per hour, as published by AWS on PRICES_AS_OF. An ESTIMATE: regions
 * differ (often by 10-30%), spot is cheaper, savings plans change everything; the sweep labels
 * every figure as an estimate with this date. Types not listed are priced from their family's
 * xlarge price times the size (large = 0.5, 2xlarge = 2...), and said to be so.
 */
export const PRICES_AS_OF = "2025-01-01";

/** Exact prices of types attackers launch most (GPU miners first). */
const TYPES: Record<string, number> = {
  "g4dn.xlarge": 0.526, "g4dn.2xlarge": 0.752, "g4dn.4xlarge": 1.204, "g4dn.8xlarge": 2.176, "g4dn.12xlarge": 3.912, "g4dn.16xlarge": 4.352, "g4dn.metal": 7.824,
  "g5.xlarge": 1.006, "g5.2xlarge": 1.212, "g5.4xlarge": 1.624, "g5.8xlarge": 2.448, "g5.12xlarge": 5.672, "g5.16xlarge": 4.096, "g5.24xlarge": 8.144, "g5.48xlarge": 16.288,
  "g6.xlarge": 0.805, "g6.12xlarge": 4.602, "g6.48xlarge": 13.35,
  "p3.2xlarge": 3.06, "p3.8xlarge": 12.24, "p3.16xlarge": 24.48, "p3dn.24xlarge": 31.212,
  "p4d.24xlarge": 32.773, "p5.48xlarge": 98.32,
  "t2.micro": 0.0116, "t3.micro": 0.0104, "t3.medium": 0.0416,
};

/** Family -> price of its xlarge (or its per-xlarge equivalent). */
const FAMILIES: Record<string, number> = {
  t2: 0.1856, t3: 0.1664, t3a: 0.1504, t4g: 0.1344,
  m5: 0.192, m6i: 0.192, m7i: 0.2016, m6g: 0.154, m7g: 0.1632,
  c5: 0.17, c6i: 0.17, c7i: 0.1785, c6g: 0.136, c7g: 0.145, c5n: 0.216,
  r5: 0.252, r6i: 0.252, r7i: 0.2646,
  g4dn: 0.526, g4ad: 0.379, g5: 1.006, g6: 0.805, g5g: 0.42,
  p2: 0.9, p3: 1.53, p4d: 1.3656, p5: 2.0483,
  inf1: 0.228, inf2: 0.7582, trn1: 1.3438, dl1: 1.6385,
  x1: 0.834, x2idn: 0.8336, z1d: 0.372, i3: 0.312, d3: 0.499, hpc6a: 0.0,
};

/** GPU and machine-learning accelerator families: what miners launch. */
const GPU_FAMILY = /^(p\d|g\d|inf\d|trn\d|dl\d|vt\d|f\d)/;

export function isGpuType(instanceType: string): boolean {
  return GPU_FAMILY.test(instanceType.split(".")[0] ?? "");
}

function sizeFactor(size: string): number | null {
  if (size === "nano") return 0.03125;
  if (size === "micro") return 0.0625;
  if (size === "small") return 0.125;
  if (size === "medium") return 0.25;
  if (size === "large") return 0.5;
  if (size === "xlarge") return 1;
  const m = /^(\d+)xlarge$/.exec(size);
  return m ? Number(m[1]) : null;
}

/** The hourly price estimate, and how it was found ("listed" / "from the family"); null when unknown. */
export function hourlyPrice(instanceType: string): { usdPerHour: number; basis: "listed" | "from the family" } | null {
  const listed = TYPES[instanceType];
  if (listed !== undefined) return { usdPerHour: listed, basis: "listed" };
  const [family = "", size = ""] = instanceType.split(".");
  const base = FAMILIES[family];
  const f = sizeFactor(size);
  if (base === undefined || !base || f === null) return null;
  return { usdPerHour: Math.round(base * f * 10_000) / 10_000, basis: "from the family" };
}

/**
 * Lightsail bundles (Linux, public IPv4), USD per month as published on PRICES_AS_OF; a bundle id is
 * `<size>_<version>` (`medium_3_0`; IPv6-only ones `medium_ipv6_3_0` cost less: the IPv4 price is an
 * upper bound). Lightsail bills up to 730 hours a month: the hourly estimate is the monthly price / 730.
 */
const LIGHTSAIL_MONTHLY: Record<string, number> = { nano: 5, micro: 7, small: 12, medium: 24, large: 44, xlarge: 84, "2xlarge": 164 };

/** A Lightsail bundle's hourly price estimate; null for a bundle not in the table (Windows, memory-optimised, GPU research bundles). */
export function lightsailHourlyPrice(bundleId: string): { usdPerHour: number; basis: "listed" } | null {
  const size = bundleId.split("_")[0] ?? "";
  const monthly = Object.hasOwn(LIGHTSAIL_MONTHLY, size) ? LIGHTSAIL_MONTHLY[size]! : undefined;
  return monthly === undefined ? null : { usdPerHour: Math.round((monthly / 730) * 10_000) / 10_000, basis: "listed" };
}

/** Lightsail's GPU bundles (Lightsail for Research): flagged as a miner's choice. */
export function isGpuBundle(bundleId: string): boolean {
  return /gpu/i.test(bundleId);
}
