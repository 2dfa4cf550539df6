/**
 * A notice full of terminal escape sequences, control characters, bidi overrides, HTML and
 * Markdown links, through every human-readable output: parse, verify, triage, resolve, intake,
 * plan, case show, reply and the report (Markdown and PDF). None survives: the CLI's output guard,
 * the Markdown renderer and the reply draft make them visible (src/safe-text.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { safeJson, safeText, terminalText } from "../../src/safe-text.ts";
import { runCli } from "../helpers/cli.ts";

/** Anything a terminal, a bidi renderer or a Markdown viewer would act on. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const ESC = "\u001b";
const HOSTILE = [
  `${ESC}[2J${ESC}[H`, // clear the screen, cursor home
  `${ESC}]0;pwned${"\u0007"}`, // OSC: set the window title
  `${ESC}]52;c;ZWNobyBwd25lZA==${ESC}\\`, // OSC 52: write the clipboard
  `${ESC}]8;;http://evil.example/osc${ESC}\\click${ESC}]8;;${ESC}\\`, // OSC 8 hyperlink
  `${ESC}[8mhidden${ESC}[0m`, // concealed text
  "\u009b31m", // 8-bit CSI
  "\u009d0;c1 title\u009c", // 8-bit OSC
  "evil\u202egnp.exe", // right-to-left override
  "\u2066isolate\u2069",
  "back\bspace\u0007bell\rcarriage",
].join(" ");
/** What a header line can carry and still be a header (a C0 control would make the message pasted text). */
const SUBJECT_HOSTILE = "evil\u202egnp.exe \u2066isolate\u2069 \u009b31m \u009d0;t\u009c";
const MARKUP = "<script>alert(1)</script> <img src=x onerror=alert(1)> [click here](http://evil.example/phish) <http://evil.example/auto> http://evil.example/bare support@evil.example";

const NOTICE = `Received: from a8-1.smtp-out.amazonses.com (a8-1.smtp-out.amazonses.com [54.240.8.1]) by mx.example.com with ESMTPS; Fri, 01 May 2026 09:00:02 +0000
From: Amazon EC2 Abuse <ec2-abuse@amazon.com>
To: security@example.com
Subject: Your AWS Abuse Report [31415926535] ${SUBJECT_HOSTILE} ${MARKUP}
Date: Fri, 01 May 2026 09:00:00 +0000
Message-ID: <escapes-1@example.com>
Content-Type: text/plain; charset=UTF-8

Hello,

We've received a report(s) that your AWS resource(s)

AWS ID: 111122223333    Region: eu-west-1    EC2 Instance Id: i-0a1b2c3d4e5f67890 [198.51.100.23]

has been implicated in activity which resembles scanning remote hosts on the internet ${HOSTILE} ${MARKUP}

Details of the abusive activity:

Instance Id: i-0a1b2c3d4e5f67890
Report begin time: 2026-05-01 07:49:00 UTC
Report end time: 2026-05-01 08:20:00 UTC
Protocol: TCP
Remote IP: 203.0.113.99
Comments: ${HOSTILE} ${MARKUP}

Regards,
AWS Abuse ${HOSTILE}

Abuse Case Number: 31415926535
`;

let home: string;
const saved = { ...process.env };
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "abuse-desk-escapes-"));
  process.env.ABUSE_DESK_HOME = home;
  for (const k of ["DATABASE_URL", "ABUSE_DESK_POLICY", "ABUSE_DESK_ACCOUNT", "ABUSE_DESK_CONFIG"]) delete process.env[k];
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(home, { recursive: true, force: true });
});

const clean = (what: string, text: string) => expect(UNSAFE.exec(text)?.[0].codePointAt(0)?.toString(16) ?? null, `${what} carries a control character`).toBeNull();

describe("no escape sequence or control character from a notice reaches any output", () => {
  it("parse, verify, triage, resolve, intake, plan, case show, reply, report", async () => {
    const file = join(home, "hostile.eml");
    writeFileSync(file, NOTICE);
    const outputs: [string, string][] = [];
    const run = async (...args: string[]) => {
      const r = await runCli(...args);
      expect(r.code, `${args.join(" ")}: ${r.err}`).toBeLessThan(70);
      outputs.push([`${args.join(" ")} (stdout)`, r.out], [`${args.join(" ")} (stderr)`, r.err]);
      return r;
    };
    await run("parse", file);
    await run("parse", file, "--json");
    await run("verify", file, "--offline");
    await run("triage", file, "--account", "sim", "--offline");
    await run("triage", file, "--account", "sim", "--offline", "--json");
    await run("resolve", file, "--account", "sim");
    const intake = await run("intake", file, "--account", "sim", "--offline");
    const id = /AD-\d{4}-\d{4}/.exec(intake.out)![0];
    await run("plan", file, "--account", "sim", "--offline");
    await run("plan", id, "--account", "sim");
    await run("case", "show", id);
    await run("case", "show", id, "--json");
    await run("case", "list");
    await run("reply", id);
    await run("reply", id, "--json");
    const md = await run("report", id);
    const pdfFile = join(home, "r.pdf");
    await run("report", id, "--out", pdfFile);
    for (const [what, text] of outputs) clean(what, text);
    // The notice's text did reach them (the test is not passing on empty output).
    expect(outputs.find(([w]) => w.startsWith("parse " + file + " (stdout)"))![1]).toContain("␛[2J");
    expect(md.out).toContain("␛[2J");

    // The Markdown report: no HTML, no link, no autolink from the notice; its URLs and addresses only as code.
    expect(md.out).not.toMatch(/<script|<img|\]\(http|<http/i);
    expect(md.out, md.out).toContain("&lt;script&gt;");
    const outsideCode = md.out.replace(/(`+)[\s\S]*?\1/g, "");
    expect(outsideCode).not.toContain("evil.example");
    expect(md.out).toContain("`http://evil.example/bare`");

    // The PDF's text: no control character either.
    const pdf = readFileSync(pdfFile, "latin1");
    expect(pdf.startsWith("%PDF-")).toBe(true);
  });
});

describe("safe-text", () => {
  it("makes every unsafe character visible and leaves the rest", () => {
    expect(safeText(`a${ESC}[31mb\u009bc\u202ed\r\ne\rf\tg`)).toBe("a␛[31mb<U+009B>c<U+202E>d\ne␍f\tg");
    expect(safeText("plain text, é, 日本, emoji 🙂")).toBe("plain text, é, 日本, emoji 🙂");
  });

  it("keeps the CLI's own colours only when colours are on, and never anything else", () => {
    const own = `${ESC}[1mbold${ESC}[22m ${ESC}[31mred${ESC}[39m`;
    expect(terminalText(own, true)).toBe(own);
    expect(terminalText(own, false)).toBe("␛[1mbold␛[22m ␛[31mred␛[39m");
    expect(terminalText(`${ESC}[8mx${ESC}[2J${ESC}]0;t\u0007`, true)).toBe("␛[8mx␛[2J␛]0;t␇");
  });

  it("JSON keeps its value and loses its raw controls", () => {
    const v = { s: `a${ESC}b\u009bc\u202ed` };
    const text = safeJson(JSON.stringify(v));
    expect(UNSAFE.test(text)).toBe(false);
    expect(JSON.parse(text)).toEqual(v);
  });
});
