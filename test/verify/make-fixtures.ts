/**
 * Builds fixtures/verify/mail/*.eml and fixtures/verify/dns.json from the fixture keys:
 *
 *   npx tsx test/verify/make-fixtures.ts
 *
 * Signatures are deterministic (fixed signing time; RSA PKCS#1 v1.5 and Ed25519 are deterministic),
 * so the files are reproducible; fixtures.test.ts checks the committed files still match.
 * Try them: `abuse-desk verify fixtures/verify/mail/genuine-signed.eml --offline --dns-cache fixtures/verify/dns.json`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { awsSign, FIXTURES, KEYS, message, NOTICE_BODY, sign, zone } from "./helpers.ts";

export interface FixtureMail {
  name: string;
  verdict: "authentic" | "unverified" | "suspicious" | "phishing";
  /** Codes the verdict must carry. */
  codes: string[];
  build(): Promise<string>;
}

export const FIXTURE_MAIL: FixtureMail[] = [
  { name: "genuine-signed", verdict: "authentic", codes: ["dkim.aws_pass", "dmarc.pass", "sender.known"], build: () => awsSign(message()) },
  {
    name: "tampered-body",
    verdict: "suspicious",
    codes: ["dkim.body_modified"],
    build: async () => (await awsSign(message())).replace("i-0abc1234def567890", "i-0fff9999eee888777"),
  },
  {
    name: "forged-from-amazon",
    verdict: "phishing",
    codes: ["dkim.missing", "dmarc.fail"],
    build: () => sign(message(), [{ domain: "example.net", selector: "forger", key: KEYS.forger }]),
  },
  {
    name: "display-name-spoof",
    verdict: "phishing",
    codes: ["sender.display_name_spoof", "content.credential_request", "link.subdomain_trick"],
    build: async () =>
      message({
        from: "AWS Abuse <aws-abuse@gmail.example>",
        body: NOTICE_BODY + "To keep your account open, reply with your AWS secret access key or sign in at https://signin.aws.amazon.com.account-review.example/ within 24 hours.\r\n",
      }),
  },
  {
    name: "lookalike-html",
    verdict: "phishing",
    codes: ["link.text_mismatch", "link.homograph", "attachment.html"],
    build: async () => {
      const b = "lookalike-b1";
      return message({
        from: "Amazon Web Services <abuse@amazon-abuse.example>",
        contentType: `multipart/mixed; boundary="${b}"`,
        body: [
          `--${b}`,
          "Content-Type: text/html; charset=UTF-8",
          "",
          '<p>We have received a report about your AWS resources. Review it in the <a href="https://xn--mazon-3ve.com/case">https://console.aws.amazon.com/</a>.</p>',
          `--${b}`,
          'Content-Type: text/html; name="AWS-Case-Review.html"',
          'Content-Disposition: attachment; filename="AWS-Case-Review.html"',
          "",
          "<form action=https://xn--mazon-3ve.com/><input name=password></form>",
          `--${b}--`,
          "",
        ].join("\r\n"),
      });
    },
  },
];

export async function buildFixtures(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of FIXTURE_MAIL) out.set(join("mail", `${f.name}.eml`), await f.build());
  out.set("dns.json", JSON.stringify(zone().toJSON(), null, 1) + "\n");
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const files = await buildFixtures();
  mkdirSync(join(FIXTURES, "mail"), { recursive: true });
  for (const [path, text] of files) writeFileSync(join(FIXTURES, path), text);
  console.log(`wrote ${files.size} files under ${FIXTURES}`);
}
