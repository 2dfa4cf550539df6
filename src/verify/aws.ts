/**
 * What abuse-desk knows about how AWS sends mail and which hosts are AWS's own. This is the one
 * place to change when AWS changes a sender or a domain; docs/verify.md explains each entry.
 *
 * Two facts shape everything here:
 * - AWS abuse mail is sent through Amazon SES. The message carries two DKIM signatures: one by the
 *   From domain (amazon.com for ec2-abuse@amazon.com, support.aws.com for Trust & Safety) and one by
 *   amazonses.com. The bounce address (Return-Path) is on amazonses.com, so SPF passes for
 *   amazonses.com and never aligns with the From domain: DMARC passes on DKIM alone.
 * - Every AWS customer can send mail through SES and gets the amazonses.com signature too, and
 *   several AWS services deliver text that customers wrote (SNS topics, Cognito, WorkMail on
 *   awsapps.com, pages on S3 or API Gateway). So "signed by amazonses.com" or "a link on
 *   amazonaws.com" proves nothing: only a signature by an AWS sending domain that matches the From
 *   address does.
 */

/** Organisational domains AWS sends abuse notices from. A DKIM signature must be by one of these (or a subdomain) and align with From. */
export const AWS_SENDING_DOMAINS: readonly string[] = ["amazon.com", "amazonaws.com", "aws.com"];

/**
 * Where to report e-mail that pretends to come from AWS: forward it there as an attachment
 * (https://aws.amazon.com/security/report-suspicious-emails/). The next steps for a phishing or
 * suspicious notice name it.
 */
export const REPORT_SPOOFING = "stop-spoofing@amazon.com";

/** Amazon SES, the transport: its signature and its SPF pass say "carried by SES", never "sent by AWS". */
export const SES_TRANSPORT_DOMAINS: readonly string[] = ["amazonses.com"];

export interface KnownSender {
  address: string;
  /** Who uses it, for the reason a person reads. */
  what: string;
}

/**
 * Addresses AWS is known to send abuse and enforcement notices from (AWS Knowledge Center, AWS
 * re:Post, and the copies recipients published). Mail from another address at an AWS domain is
 * AWS's, but not one of these; it is said, not held against the message.
 */
export const KNOWN_ABUSE_SENDERS: readonly KnownSender[] = [
  { address: "ec2-abuse@amazon.com", what: "the Amazon EC2 Abuse team" },
  { address: "abuse@amazonaws.com", what: "the AWS abuse team" },
  { address: "trustandsafety@support.aws.com", what: "AWS Trust & Safety" },
  { address: "ses-enforcement@amazon.com", what: "the Amazon SES enforcement team" },
  { address: "no-reply-aws@amazon.com", what: "AWS account and Support case notifications" },
  { address: "no-reply@support.aws.com", what: "AWS Support case notifications" },
];

/**
 * AWS hosts that deliver what AWS customers wrote: mail from them is AWS's transport carrying a
 * customer's words (SNS topic messages are a known phishing vehicle), never an abuse notice.
 */
export const CUSTOMER_CONTENT_SENDER_HOSTS: readonly string[] = ["sns.amazonaws.com", "amazoncognito.com"];

/**
 * Registrable domains whose hosts AWS itself runs (documentation, console, sign-in, support).
 * Hosts under a *private* public-suffix entry of these (bucket.s3.amazonaws.com,
 * x.execute-api.us-east-1.amazonaws.com, x.cloudfront.net, x.awsapps.com, x.on.aws) belong to
 * customers; they are recognised with the Public Suffix List's private section (tldts), not here.
 */
export const AWS_LINK_DOMAINS: readonly string[] = [
  "amazon.com",
  "amazonaws.com",
  "aws.com",
  "awsstatic.com",
  "amazonwebservices.com",
  "amazontrust.com",
  "aws.dev",
  "repost.aws",
  "amazon.jobs",
  "aboutamazon.com",
  "amazon.science",
  "awsevents.com",
  "awseducate.com",
  "awscloud.com",
];

/** Amazon's retail storefronts: Amazon's, but not AWS's (a notice has no reason to link there; they are not lookalikes either). */
export const AMAZON_RETAIL_SUFFIXES: readonly string[] = [
  "de", "fr", "it", "es", "nl", "se", "pl", "in", "sg", "ae", "sa", "eg", "ca", "cn",
  "co.uk", "co.jp", "com.au", "com.br", "com.mx", "com.tr", "com.be",
];

/** Registrable domains of AWS services that host customers' content (used when a link's host is exactly one of them). */
export const AWS_CUSTOMER_HOSTING_DOMAINS: readonly string[] = [
  "cloudfront.net",
  "awsapps.com",
  "amplifyapp.com",
  "elasticbeanstalk.com",
  "awsglobalaccelerator.com",
  "on.aws",
  "amazoncognito.com",
  "awstrack.me",
];

/** Names whose lookalikes are the point of a phishing domain. `aws` is matched only exactly (after confusables): it is too short for edit distance. */
export const BRANDS = { long: ["amazon", "amazonaws", "awsamazon", "amazonwebservices"], short: ["aws", "amzn"] } as const;

/** URL shorteners: AWS links to its own hosts, never through a shortener. */
export const URL_SHORTENERS: readonly string[] = [
  "bit.ly",
  "bitly.com",
  "tinyurl.com",
  "t.co",
  "goo.gl",
  "ow.ly",
  "is.gd",
  "buff.ly",
  "rebrand.ly",
  "cutt.ly",
  "shorturl.at",
  "rb.gy",
  "t.ly",
  "tiny.cc",
  "s.id",
  "lnkd.in",
  "amzn.to",
  "shorturl.com",
  "v.gd",
  "qr.ae",
  "bl.ink",
  "short.io",
  "urlz.fr",
  "x.co",
];

/**
 * Attachments AWS never sends with a notice (it writes notices as text, and AWS's phishing guidance
 * tells customers not to open attachments in mail claiming to be from AWS). Extensions, lower-case.
 */
export const ATTACHMENT_RULES = {
  executable: [
    "exe", "scr", "com", "bat", "cmd", "pif", "cpl", "dll", "msi", "msp", "msix", "appx", "jar", "js", "jse", "vbs", "vbe",
    "wsf", "wsh", "ps1", "psm1", "hta", "lnk", "reg", "apk", "dmg", "pkg", "app", "iso", "img", "vhd", "vhdx", "one", "sh",
    "elf", "bin", "run", "xll", "library-ms", "scf", "url",
  ],
  macro: ["docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppam", "ppsm", "sldm", "doc", "dot", "xls", "xlt", "ppt", "rtf"],
  html: ["html", "htm", "shtml", "xhtml", "mht", "mhtml", "svg", "xht"],
  archive: ["zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz", "cab", "ace", "arj", "lzh", "lha", "zipx", "z", "uue", "xxe"],
} as const;

/** Content types that mark the same kinds when a file name is missing or lies. */
export const ATTACHMENT_CONTENT_TYPES: Record<string, keyof typeof ATTACHMENT_RULES> = {
  "application/x-msdownload": "executable",
  "application/x-msdos-program": "executable",
  "application/x-dosexec": "executable",
  "application/x-executable": "executable",
  "application/x-ms-installer": "executable",
  "application/x-msi": "executable",
  "application/java-archive": "executable",
  "application/javascript": "executable",
  "application/x-javascript": "executable",
  "application/hta": "executable",
  "application/x-iso9660-image": "executable",
  "application/vnd.ms-word.document.macroenabled.12": "macro",
  "application/vnd.ms-excel.sheet.macroenabled.12": "macro",
  "application/vnd.ms-excel.sheet.binary.macroenabled.12": "macro",
  "application/vnd.ms-powerpoint.presentation.macroenabled.12": "macro",
  "application/msword": "macro",
  "application/vnd.ms-excel": "macro",
  "text/html": "html",
  "image/svg+xml": "html",
  "application/xhtml+xml": "html",
  "application/zip": "archive",
  "application/x-zip-compressed": "archive",
  "application/x-rar-compressed": "archive",
  "application/vnd.rar": "archive",
  "application/x-7z-compressed": "archive",
  "application/gzip": "archive",
  "application/x-gzip": "archive",
  "application/x-tar": "archive",
};
