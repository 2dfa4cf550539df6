/**
 * The commands that change a case tell the team: intake announces a new case, plan a plan waiting
 * for approval, through a real signed webhook on loopback, configured in config.yaml.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeDrillNotice, DRILL_DIR } from "../../src/drill/index.ts";
import { verifySignature } from "../../src/notify/webhook.ts";
import { runCli } from "../helpers/cli.ts";

const SECRET = "a-test-secret-of-enough-length-0123";
const received: { kind: string; caseId: string; signed: boolean }[] = [];
const server = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const event = JSON.parse(body) as { type: string; caseId: string };
    const header = String(req.headers["x-abuse-desk-signature"] ?? "");
    received.push({ kind: event.type.replace(/^abuse-desk\./, ""), caseId: event.caseId, signed: verifySignature([SECRET], header, body).ok });
    res.writeHead(204).end();
  });
});

let home: string;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  home = mkdtempSync(join(tmpdir(), "desk-notify-"));
  writeFileSync(
    join(home, "config.yaml"),
    `notify:\n  retry: { attempts: 1 }\n  webhooks:\n    - name: test\n      url: http://127.0.0.1:${port}/hook\n      secret: ${SECRET}\n`,
  );
  process.env.ABUSE_DESK_HOME = home;
});
afterAll(async () => {
  delete process.env.ABUSE_DESK_HOME;
  await new Promise((r) => server.close(r));
});

describe("notifications from the case-changing commands", () => {
  it("intake announces the new case; plan, the plan waiting for a person", async () => {
    const file = join(home, "notice.eml");
    writeFileSync(file, await composeDrillNotice(new Date()));
    const intake = await runCli("intake", file, "--offline", "--dns-cache", join(DRILL_DIR, "dns.json"), "--json");
    expect(intake.code).toBe(0);
    const caseId = (JSON.parse(intake.out) as { items: { case: { id: string } }[] }).items[0]!.case.id;
    expect(received).toContainEqual({ kind: "case-new", caseId, signed: true });

    const plan = await runCli("plan", caseId, "--account", "sim", "--json");
    expect(plan.code).toBe(0);
    expect(received).toContainEqual({ kind: "plan-awaiting-approval", caseId, signed: true });
    // each event once: a second run finds them already notified on the timeline
    const before = received.length;
    await runCli("plan", caseId, "--account", "sim", "--json");
    expect(received.filter((r) => r.kind === "case-new")).toHaveLength(1);
    expect(received.length).toBeLessThanOrEqual(before + 1);
  });
});
