/**
 * Writes the drill's DKIM key and its DNS answers (fixtures/drill/dkim.pem, fixtures/drill/dns.json).
 * Run once; the outputs are committed. `npx tsx scripts/gen-drill-keys.ts` makes a new pair.
 *
 * The drill signs its notice as amazon.com with this key, and verifies it against these recorded
 * DNS answers instead of live DNS: inside the drill the signature proves what a real one proves,
 * and outside it (live DNS) the same message fails, as a forgery should.
 */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DnsCache } from "../src/verify/dns.ts";

const dir = join(import.meta.dirname, "../fixtures/drill");
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const pub = createPublicKey(privateKey).export({ format: "der", type: "spki" }).toString("base64");
const at = new Date("2026-01-01T00:00:00Z").getTime();
const zone = new DnsCache({ now: () => at })
  .set("TXT", "abusedesk-drill._domainkey.amazon.com", [[`v=DKIM1; k=rsa; p=${pub}`]])
  .set("TXT", "_dmarc.amazon.com", [["v=DMARC1; p=quarantine; pct=100"]]);
writeFileSync(join(dir, "dkim.pem"), pem);
writeFileSync(join(dir, "dns.json"), JSON.stringify(zone.toJSON(), null, 1) + "\n");
console.log(`wrote ${join(dir, "dkim.pem")} and ${join(dir, "dns.json")}`);
