/**
 * URLs in notices: the destination URLs of an incident (where a key was published, a phishing
 * page, infringing content) as opposed to AWS's own help and policy links, which every notice
 * carries and which are never facts of the incident.
 */

export const URL_RE = /\b(?:https?|hxxps?|ftp):\/\/[^\s<>"'`{}|\\^]{1,2048}/gi;

const AWS_HELP_HOSTS = /(?:^|\.)(?:aws\.amazon\.com|amazon\.com|awsstatic\.com|repost\.aws|amazonwebservices\.com|aws\.com|aws\.dev|amazon\.jobs|a2z\.com)$/i;
/** Customer content served from these AWS hosts is a fact (a bucket, a distribution), not a help link. */
const CUSTOMER_HOSTS = /(?:^|\.)(?:s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com|s3\.amazonaws\.com|cloudfront\.net|elb\.amazonaws\.com|compute(?:-1)?\.amazonaws\.com|execute-api\.[a-z0-9-]+\.amazonaws\.com|lambda-url\.[a-z0-9-]+\.on\.aws|awsapprunner\.com|amplifyapp\.com|lightsail\.aws)$/i;

/** Trims the punctuation a sentence puts after a URL, and a closing bracket with no opening one. */
export function cleanUrl(raw: string): string {
  let u = raw.replace(/[.,;:!?*]+$/, "");
  while (/[)\]]$/.test(u)) {
    const open = u.endsWith(")") ? "(" : "[";
    const close = u.at(-1)!;
    if (u.split(open).length >= u.split(close).length) break;
    u = u.slice(0, -1);
  }
  return u;
}

export function urlHost(url: string): string | null {
  const m = /^[a-z]+:\/\/(?:[^@/\s]*@)?(\[[^\]]+\]|[^/:?#\s]+)/i.exec(url);
  return m ? m[1]!.toLowerCase().replace(/\[\.\]/g, ".") : null;
}

/** AWS's own open-source organisations (git-secrets, sample code) that its letters recommend. */
const AWS_REPOS = /^[a-z]+:\/\/(?:www\.)?github\.com\/(?:aws|awslabs|aws-samples|amazon-archives|aws-solutions)\//i;

/** AWS's own documentation, policy and console links. */
export function isAwsHelpLink(url: string): boolean {
  const host = urlHost(url);
  if (!host) return false;
  if (CUSTOMER_HOSTS.test(host)) return false;
  return AWS_HELP_HOSTS.test(host) || AWS_REPOS.test(url);
}

export function findUrls(text: string): { url: string; index: number }[] {
  const out: { url: string; index: number }[] = [];
  for (const m of text.matchAll(URL_RE)) {
    const url = cleanUrl(m[0]);
    if (url.length > 10) out.push({ url, index: m.index });
    if (out.length > 500) break;
  }
  return out;
}
