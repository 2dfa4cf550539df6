/**
 * The options a person gives `abuse-desk plan` that change what a playbook does: one list, from
 * which the CLI registers its flags and parses their values, and which a test walks for every
 * playbook (test/playbook/options.test.ts): each option either changes the plan or the plan says,
 * in a warning naming the option, why it does not. An option is never silently ignored.
 */
import { PLAYBOOKS, type PlaybookName, type PlaybookOptions } from "./types.ts";

/** What a person decides per plan (`batch` is the benchmark's baseline, not a person's option). */
export type PersonOptions = Omit<PlaybookOptions, "batch">;

export interface PlanOption<K extends keyof PersonOptions = keyof PersonOptions> {
  key: K;
  /** The flag as the CLI spells it and the warnings name it (`--urgent`). */
  flag: `--${string}`;
  /** The value's placeholder in the help (`<list>`); none for a switch. */
  arg?: `<${string}>`;
  description: string;
  /** The value from the flag's text (a switch is `true`); throws an Error that names the flag. */
  parse(text: string | true): NonNullable<PersonOptions[K]>;
  /** A value as a person would type it, that makes a difference where the option applies (help and tests). */
  example: string | true;
}

const option = <K extends keyof PersonOptions>(o: PlanOption<K>): PlanOption<K> => o;

const aSwitch = (flag: string) => (text: string | true): true => {
  if (text !== true) throw new Error(`${flag} takes no value`);
  return true;
};

/** `tcp/3128,udp/53,8080` (a bare number is TCP). */
export function parsePorts(text: string | true): NonNullable<PlaybookOptions["ports"]> {
  const out = { tcp: [] as number[], udp: [] as number[] };
  if (text === true) throw new Error("--ports needs a list (tcp/3128,udp/53)");
  for (const item of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:(tcp|udp)\/)?(\d{1,5})$/i.exec(item);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) throw new Error(`--ports: "${item}" is not a port (3128, tcp/3128, udp/53)`);
    ((m[1] ?? "tcp").toLowerCase() === "udp" ? out.udp : out.tcp).push(port);
  }
  if (!out.tcp.length && !out.udp.length) throw new Error("--ports: no port given (3128, tcp/3128, udp/53)");
  return out;
}

export const PLAN_OPTIONS = [
  option({
    key: "playbook",
    flag: "--playbook",
    arg: "<name>",
    description: `use this playbook whatever the activity (${PLAYBOOKS.join(", ")})`,
    parse: (text) => {
      if (text === true || !(PLAYBOOKS as readonly string[]).includes(text)) throw new Error(`--playbook: "${String(text)}" is not a playbook; one of ${PLAYBOOKS.join(", ")}`);
      return text as PlaybookName;
    },
    example: "compromised-host",
  }),
  option({ key: "stop", flag: "--stop", description: "stop the instances after snapshots and isolation (memory is lost)", parse: aSwitch("--stop"), example: true }),
  option({
    key: "urgent",
    flag: "--urgent",
    description: "traffic must stop now: deny the reported peers in the network ACL of every subnet the hosts use, first, whatever the playbook",
    parse: aSwitch("--urgent"),
    example: true,
  }),
  option({
    key: "ports",
    flag: "--ports",
    arg: "<list>",
    description: "ports the abused service listens on, when the notice does not say (tcp/3128,udp/53)",
    parse: parsePorts,
    example: "tcp/8443,udp/5353",
  }),
] as const;

// Every option a person can give is in the list (a new PlaybookOptions key fails to compile here until it is).
type Listed = (typeof PLAN_OPTIONS)[number]["key"];
const everyOptionListed: [Exclude<keyof PersonOptions, Listed>] extends [never] ? true : Exclude<keyof PersonOptions, Listed> = true;
void everyOptionListed;

/** How a warning names an option: its flag. */
export function flagOf(key: keyof PersonOptions): string {
  return PLAN_OPTIONS.find((o) => o.key === key)!.flag;
}

/** The playbook options from the CLI's parsed flags (keyed as commander names them: `--plan-id` is `planId`). */
export function optionsFromFlags(flags: Record<string, unknown>): PersonOptions {
  const out: Record<string, unknown> = {};
  for (const o of PLAN_OPTIONS) {
    const v = flags[o.key];
    if (v === undefined || v === false) continue;
    out[o.key] = o.parse(v === true ? true : String(v));
  }
  return out as PersonOptions;
}
