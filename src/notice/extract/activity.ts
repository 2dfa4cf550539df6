/**
 * Activity classification: the one vocabulary that turns AWS's and reporters' words ("resembles
 * scanning remote hosts", "Reported Activity: Intrusion Attempts", `AWS_ABUSE_EC2_DOS_REPORT`,
 * "Abuse type*: port-scanning", X-ARF `Report-Type: login-attack`) into the activity types of
 * shared/corpus/README.md.
 */
import type { ActivityType } from "../types.ts";

/**
 * "Your AWS account [111122223333] may (still / have been / could be / appears to have been) compromised" and its
 * kin: the one phrase rule for a compromised account, used by the vocabulary below and by the
 * letter-family signal (./sentences.ts). A bounded run of modal words, so "is not compromised" does not match.
 */
export const ACCOUNT_COMPROMISED = /\baccount[\s_-]+(?:\(?[\d*x■#-]{4,20}\)?\s+)?(?:(?:may|might|could|can|is|was|has|have|had|been|be|being|still|likely|possibly|potentially|probably|appears?|seems?|to|now|already)\s+){0,5}compromised|\bcompromised[\s_-]+(?:aws[\s_-]+)?account\b|\bunauthori[sz]ed\s+(?:usage|use|activity|access)\s+(?:on|in|of|to)\s+your\s+(?:aws\s+)?account/i;

/**
 * AWS saying it saw the account used by someone else, not that it could be: "We have detected activity
 * on your account that suggests unauthorized usage", "we observed unusual API calls in your account",
 * "there has been unauthorized access to your account", "your account has been accessed by an
 * unauthorized party", "stop the unauthorized usage". This is what makes a letter an account
 * compromise even when it also names an exposed key (the key was used, not only published). An
 * exposed-key letter's warning that the key "could lead to ... unauthorized activity", or advice to
 * "check for unauthorized usage", states nothing seen and does not match; nor does suspicious traffic
 * "from" the account's resources (an abuse report).
 */
export const ACCOUNT_USED = new RegExp(
  [
    // not "if you found ...", "whether you have seen ...": a question put to the reader states nothing seen
    String.raw`(?<!\b(?:if|when|whether|unless|you)\s+(?:have\s+|had\s+|ever\s+)?)\b(?:detected|observed|noticed|identified|seen|saw|found|discovered|there\s+(?:has|have)\s+been|there\s+(?:is|are|was|were))\s+[^.!?]{0,60}?(?:unauthori[sz]ed|suspicious|unusual|irregular|anomalous|abnormal|malicious)\s+(?:api\s+|console\s+|sign-?in\s+|login\s+)?(?:activity|activities|usage|use|access|calls|logins?|sign-?ins?)\s+(?:on|in|of|to|within)\s+(?:your\s+)?(?:aws\s+)?account`,
    String.raw`(?<!\b(?:if|when|whether|unless|you)\s+(?:have\s+|had\s+|ever\s+)?)\b(?:detected|observed|noticed|identified|seen|saw|found|discovered)\s+(?:\w+\s+){0,2}?(?:activity|activities|usage|use|access|api\s+calls|logins?)\s+(?:on|in|within)\s+(?:your\s+)?(?:aws\s+)?account\s+(?:that|which)\s+(?:\w+\s+){0,2}?(?:suggests?|indicates?|appears?\s+to\s+be|is\s+consistent\s+with)\s+(?:an?\s+)?(?:unauthori[sz]ed|suspicious|compromise|malicious)`,
    String.raw`\baccount\s+(?:\(?[\d*x■#-]{4,20}\)?\s+)?(?:has|have|had|may\s+have|might\s+have|appears\s+to\s+have)\s+been\s+(?:accessed|used|logged\s+into|taken\s+over)\s+by\s+(?:an?\s+)?(?:unauthori[sz]ed|unknown|third|malicious|someone|attacker)`,
    String.raw`\bstop\s+(?:the\s+|this\s+)?unauthori[sz]ed\s+(?:usage|use|activity|access)`,
  ].join("|"),
  "i",
);

interface Rule {
  type: ActivityType;
  re: RegExp;
}

/**
 * Ordered from the most specific to the most general: the first rule that matches a phrase wins.
 * "port scan" must win over "scan", "email spam" over "spam", "credentials exposed" over
 * "compromised", "open proxy" over "proxy".
 */
const RULES: Rule[] = [
  { type: "credentials_exposed", re: /credentials?[\s_-]*expos|expos\w*[\s_-]+(?:credential|access[\s_-]*key|secret|key)|(?:access[\s_-]*keys?|secret[\s_-]*keys?|credentials?)\b[^.]{0,80}\b(?:publicly available|exposed|leaked|published|found online)|exposure[\s_-]*suspected|iam[\s_-]*quarantine|leaked[\s_-]*(?:key|credential)/i },
  { type: "account_compromise", re: new RegExp(`${ACCOUNT_COMPROMISED.source}|compromise[\\s_-]*suspected|risk[\\s_-]*compromised`, "i") },
  { type: "open_proxy", re: /open[\s_-]*(?:http[\s_-]*)?(?:proxy|proxies|relay|resolver)|proxy[\s_-]*abuse|operating (?:as )?a proxy/i },
  { type: "crypto_mining", re: /crypto[\s_-]*(?:currency[\s_-]*)?min(?:ing|er)|coin[\s_-]*min(?:ing|er)|mining[\s_-]*pool|\bxmrig\b|\bmonero\b|cryptojack/i },
  { type: "port_scan", re: /port[\s_-]*scan|\bportscan|scann?ing (?:of )?(?:remote )?(?:hosts|ports|networks?|ip)|scan(?:ning|s)? remote hosts|network[\s_-]*scan|prob(?:e|es|ing) (?:\w+ ){0,3}(?:for )?(?:\w+ )?(?:open )?ports|(?:tcp|udp|syn) (?:port )?scans?|ports? sweep|\bscanning\b|\bscanner\b|^scan$/i },
  { type: "brute_force", re: /brute[\s_-]*forc|password[\s_-]*(?:guess|spray)|dictionary[\s_-]*attack|credential[\s_-]*stuffing|login[\s_-]*attack|(?:failed|repeated|multiple) (?:ssh |rdp )?(?:login|logon|authentication) attempts|ssh[\s_-]*(?:attack|brute)|login attempts/i },
  { type: "dos", re: /denial[\s_-]*of[\s_-]*service|\bd?dos\b|flood(?:ing)?\b|amplification|reflection attack/i },
  { type: "phishing", re: /phish/i },
  { type: "botnet_c2", re: /botnet|command[\s_-]*(?:and|&)[\s_-]*control|\bc&c\b|\bc2\b|\bcnc\b|infected with malware|malware infection|\bbot\b/i },
  { type: "malware_hosting", re: /malware[\s_-]*(?:website|site|hosting|distribution|url)|(?:hosting|distribut\w*|serving)[\s_-]+(?:\w+[\s_-]+)?(?:malware|viruse?s?|malicious (?:software|files?|code))|virus(?:es)?[\s_-]*(?:website|hosting)|\bmalware\b/i },
  { type: "copyright", re: /copyright|\bdmca\b|infring|pirat(?:ed|ing)|intellectual property|unlicensed/i },
  { type: "illegal_content", re: /illegal[\s_-]*content|child (?:sexual )?abuse|\bcsam\b|\bcsem\b|terroris|\bpii\b|personal(?:ly identifiable)? (?:data|information)|pii[\s_-]*content|objectionable content|unlawful content|extremis|violent content|hate[\s_-]*speech/i },
  { type: "spam_web", re: /forum[\s_-]*spam|comment[\s_-]*spam|web[\s_-]*spam|blog[\s_-]*spam|wiki[\s_-]*spam|spam[\s_-]*website|spamvertis|advertised in spam|placing spam|spam\w* (?:on )?(?:websites|forums|online discussions)|\bregbot\b/i },
  { type: "spam_email", re: /e-?mail[\s_-]*spam|spam[\s_-]*e-?mail|(?:sending|send) (?:of )?(?:spam|unsolicited)|unsolicited (?:bulk |mass |commercial )?(?:e-?mail|mail|messages)|unwanted (?:sending|e-?mail|mail)|spam ?trap|\bbounces?\b|complaint rate|\buce\b|\bubm\b|mail(?:ing)? (?:abuse|spam)|\bspam(?:ming)?\b/i },
  { type: "web_attack", re: /sql[\s_-]*injection|\bsqli\b|cross[\s_-]*site|\bxss\b|web[\s_-]*(?:application[\s_-]*)?attack|exploit attack|exploit(?:ation)? attempts?|\bexploit|remote code execution|\brce\b|path traversal|wp-login|xmlrpc|web[\s_-]*(?:hack|vulnerabilit)|vulnerability scan/i },
  { type: "crawling", re: /crawl|web[\s_-]*scrap|\bscrap(?:ing|er)\b|spider(?:ing)?\b|excessive (?:web )?requests/i },
  { type: "intrusion", re: /intrusion|access (?:remote )?(?:hosts|systems|servers)[^.]{0,40}without (?:authori[sz]ation|permission)|unauthori[sz]ed (?:access|login|connection)|break[\s-]*in|hack(?:ing)? attempts?|\bhacking\b|attack(?:ing|s)? (?:remote|other) (?:hosts|systems)|compromise attempt/i },
];

/** Maps a phrase to an activity type, or null when it names none. */
export function classifyPhrase(phrase: string): ActivityType | null {
  const p = phrase.slice(0, 600);
  for (const r of RULES) if (r.re.test(p)) return r.type;
  return null;
}

/**
 * AWS Health event codes: `AWS_ABUSE_<TYPE>_REPORT`, `AWS_ABUSE_EC2_<TYPE>_REPORT`, `AWS_RISK_*`.
 * The TYPE is read as words through the same vocabulary, so a code AWS adds tomorrow
 * (`AWS_ABUSE_EC2_CRYPTO_MINING_REPORT`) classifies without a code change; a code that names
 * nothing we know stays visible as "other" (the caller keeps the code).
 */
export function classifyHealthCode(code: string): ActivityType | null {
  const c = code.toUpperCase();
  const words = c
    .replace(/^AWS_/, "")
    .replace(/^(ABUSE|RISK)_(EC2_)?/, "")
    .replace(/_REPORT$/, "")
    .replace(/_/g, " ")
    .toLowerCase();
  if (c.startsWith("AWS_RISK_")) {
    // A risk about credentials (exposed, suspected, compromised, quarantined) is about a key:
    // the response is the key's (deactivate, rotate, audit its use), as readers of real notices
    // classify it. Only a risk about the account itself is an account compromise.
    if (/credential|quarantine|leak|key|expos/.test(words)) return "credentials_exposed";
    if (/compromis/.test(words)) return "account_compromise";
  }
  const special: Record<string, ActivityType> = {
    "cc fraud": "other",
    "takedown request": "other",
    "pii content removal": "illegal_content",
    "copyright non dmca": "copyright",
    "spam website": "spam_web",
    "forum spam": "spam_web",
    "email spam": "spam_email",
    "malware website": "malware_hosting",
    botnet: "botnet_c2",
    dos: "dos",
    ddos: "dos",
  };
  if (special[words]) return special[words]!;
  return classifyPhrase(words);
}

/** True when the code is an AWS Health abuse or risk code at all. */
export function isAbuseOrRiskCode(code: string): boolean {
  return /^AWS_(ABUSE|RISK)_/i.test(code);
}

/**
 * Words in a reporter's free text that point to an activity, with weights: a honeypot report that
 * says "TCP port scans" twice and "botnet" once is a port scan. Used only when AWS's own words and
 * labelled fields name nothing specific.
 */
const REPORTER_SIGNALS: { type: ActivityType; re: RegExp; weight: number }[] = [
  { type: "port_scan", re: /port[\s_-]*scan|probing[^.]{0,40}ports|scann(?:ed|ing) (?:my|our) (?:servers?|hosts?|network)/gi, weight: 3 },
  { type: "brute_force", re: /brute[\s_-]*forc|failed password|authentication failure|invalid user|login attempts|password guessing/gi, weight: 3 },
  { type: "botnet_c2", re: /c&c|command[\s-]+and[\s-]+control|botnet client|\bc2 server/gi, weight: 3 },
  { type: "botnet_c2", re: /botnet/gi, weight: 1 },
  { type: "dos", re: /denial[\s-]+of[\s-]+service|\bd?dos attack|\bflood(?:ing|ed)?\b|amplification/gi, weight: 2 },
  { type: "phishing", re: /phish/gi, weight: 3 },
  { type: "malware_hosting", re: /(?:hosting|distribut\w+|serving|download\w*)[^.]{0,30}malware|malware[^.]{0,20}(?:hosted|download)/gi, weight: 3 },
  { type: "spam_email", re: /spam (?:e-?mail|message)|unsolicited (?:e-?mail|mail)|received (?:this|the following) spam/gi, weight: 2 },
  { type: "spam_web", re: /(?:comment|forum|blog|wiki|referr?er) spam|spam (?:comments?|posts?|registrations?)/gi, weight: 2 },
  { type: "web_attack", re: /sql[\s_-]*injection|\bxss\b|wp-login|xmlrpc|exploit attempts?|\/etc\/passwd|\.env\b|path traversal|remote code execution/gi, weight: 2 },
  { type: "crawling", re: /crawl(?:er|ing)|scraping|spider/gi, weight: 2 },
  { type: "copyright", re: /copyright|\bdmca\b|infring/gi, weight: 3 },
  { type: "crypto_mining", re: /xmrig|mining pool|stratum\+tcp|crypto[\s-]*min/gi, weight: 3 },
  { type: "open_proxy", re: /open proxy|proxy abuse/gi, weight: 3 },
  { type: "intrusion", re: /intrusion attempt|unauthori[sz]ed access attempt|exploit/gi, weight: 1 },
];

export function classifyReporterText(text: string): ActivityType | null {
  const t = text.slice(0, 64 * 1024);
  const score = new Map<ActivityType, number>();
  for (const s of REPORTER_SIGNALS) {
    let n = 0;
    for (const _ of t.matchAll(s.re)) if (++n >= 5) break;
    if (n) score.set(s.type, (score.get(s.type) ?? 0) + n * s.weight);
  }
  let best: ActivityType | null = null;
  let bestScore = 2; // one weak mention is not enough
  for (const [type, sc] of score) if (sc > bestScore) [best, bestScore] = [type, sc];
  return best;
}
