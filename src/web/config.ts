/**
 * The `web:` section of the configuration file: where the desk listens, how people sign in, the
 * session timeouts, the request size limits, four-eyes. docs/web.md documents every key.
 *
 *   web:
 *     listen: { host: 127.0.0.1, port: 8080 }
 *     publicUrl: https://abuse-desk.example.com     # the origin browsers use (behind a proxy)
 *     secureCookies: auto                           # auto: Secure when the request came over TLS
 *     session: { idleMinutes: 60, absoluteHours: 12 }
 *     proxy: { enabled: true, header: X-Forwarded-User, trusted: [10.0.0.5/32], defaultRole: viewer }
 *     fourEyes: true
 *     account: aws                                  # the account actions run on (sim, sim:PATH, aws)
 */
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { ROLES } from "../case/users.ts";
import { parseSection, type ConfigDocument } from "../config/file.ts";

const cidr = z.string().refine((s) => {
  try {
    if (s.includes("/")) ipaddr.parseCIDR(s);
    else ipaddr.parse(s);
    return true;
  } catch {
    return false;
  }
}, "not an IP address or CIDR range (10.0.0.5, 10.0.0.0/24, ::1)");

export const webSection = z
  .object({
    listen: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 8080 }),
    /** The origin browsers reach the desk at; state-changing requests from any other origin are refused. */
    publicUrl: z.string().regex(/^https?:\/\/[^\s/]+\/?$/, "an origin: https://host[:port]").optional(),
    secureCookies: z.enum(["auto", "always", "never"]).default("auto"),
    session: z
      .object({
        idleMinutes: z.number().int().min(1).max(24 * 60).default(60),
        absoluteHours: z.number().int().min(1).max(24 * 30).default(12),
      })
      .strict()
      .default({ idleMinutes: 60, absoluteHours: 12 }),
    proxy: z
      .object({
        enabled: z.boolean().default(false),
        header: z.string().regex(/^[A-Za-z0-9-]+$/, "a header name").default("X-Forwarded-User"),
        /** The proxy's addresses: the header is believed only on connections from these. */
        trusted: z.array(cidr).default([]),
        /** Role for a proxy-authenticated person with no local user (none: refused). */
        defaultRole: z.enum(ROLES).optional(),
      })
      .strict()
      .default({ enabled: false, header: "X-Forwarded-User", trusted: [] })
      .refine((p) => !p.enabled || p.trusted.length > 0, "proxy.enabled needs proxy.trusted: the proxy's address (a header from anyone else is ignored)"),
    /** The approver of a plan must not be the person who wrote it. */
    fourEyes: z.boolean().default(false),
    /** The cloud account actions run on (`sim`, `sim:PATH`, `aws`); default $ABUSE_DESK_ACCOUNT, else none. */
    account: z.string().min(1).optional(),
    limits: z
      .object({
        /** Largest form post (default 64 KiB). */
        bodyBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
        /** Largest notice uploaded or pasted into the intake (default 10 MiB). */
        noticeBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(10 * 1024 * 1024),
      })
      .strict()
      .default({ bodyBytes: 64 * 1024, noticeBytes: 10 * 1024 * 1024 }),
  })
  .strict();

export type WebConfig = z.output<typeof webSection>;

export function webConfig(doc: ConfigDocument): WebConfig {
  return parseSection(webSection, doc, "web");
}

/** The defaults, as an empty `web:` section gives them (tests start from it). */
export function defaultWebConfig(over: Partial<WebConfig> = {}): WebConfig {
  return { ...webSection.parse({}), ...over };
}
