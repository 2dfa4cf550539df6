/** docs/readiness.md, generated from the catalogue so every check is documented as it runs. */
import { CHECKS } from "./checks.ts";

const INTRO = `# Readiness

\`abuse-desk readiness\` checks that the accounts are ready for the next abuse notice: that AWS's
mail reaches a person, that there are logs to answer it from, that the identities and exposures
AWS writes about are under control, and that abuse-desk can investigate and contain. Run it before
your first notice, and regularly after.

    abuse-desk readiness --account aws                      # Markdown report on standard output
    abuse-desk readiness --account aws --format html --out readiness.html
    abuse-desk readiness --account aws --format sarif --out readiness.sarif   # code-scanning dashboards
    abuse-desk readiness --account aws --format csv --out readiness.csv
    abuse-desk readiness --account aws --json

Every account the port reaches (configured, or discovered through AWS Organizations and entered
with the read-only role) and every enabled region is read at once, through the resolver's limiter
(at most \`--concurrency\` calls in flight per account and region, 64 in all); each port read is made
once however many checks use it.

## Results

Each check answers, per account: **pass**, **fail** with the resources that fail, or **could not
run** with the reason (an AccessDenied names the IAM action; an account that cannot be entered is
named). A check that could not run is never counted as passed: the score (0-100) is the
severity-weighted share of checks that passed (critical 10, high 5, medium 3, low 1), and the
command exits 69 when any check could not run, after printing or writing the report. Findings
themselves do not change the exit status: they are the report.

Permissions: the read-only policy (docs/iam/read-only-policy.json) covers every read; docs/aws.md
says which action each check needs.

## Kept runs, the web desk, and the gaps of a case

Each run is kept in the case store (migration \`0014-readiness-runs\`, \`src/case/readiness-runs.ts\`)
unless \`--no-save\`: when it ran, the accounts, the score, and every check's result per account
with the resources that failed and where it could not run; an audit entry (\`readiness.recorded\`)
holds the SHA-256 of what was kept. \`--json\` says which run it became (\`saved\`); a store that
cannot keep it is said after the report (exit 73, or the store's own status). A check's status in
one account is \`fail\` when a resource of that account failed, else \`could-not-run\` when a place
of that account could not be read, else \`pass\`; each account gets its own score.

Bounded: at most 1,000 accounts per run, 100 failed resources and 20 unread places per check and
account, 20,000 failed resources per run, 300 characters of any text. What is cut is counted
(\`failedTotal\`) and said (the run's "bounded: ..." sentence), never dropped silently.

Retained, not kept forever: each save (\`abuse-desk readiness\`, the service's daily job) prunes,
in the same transaction, each account's runs beyond its newest \`keepRuns\` and those recorded
more than \`keepDays\` ago (by the store's clock), but never an account's latest run: a case's gaps
and the \`/readiness\` page read it, however old. A run none of whose accounts is left goes whole.
What was pruned is audited (\`readiness.pruned\`: how many account runs, whole runs and result
rows, the bound applied, the runs removed and the first 100 account runs) and said (the CLI's
"pruned ..." line, the scheduler's summary). The trend shows the runs that are kept (at most the
last 60).

\`\`\`yaml
readiness:
  retention:
    keepRuns: 366   # each account's newest runs kept (default 366; at least 2, the trend compares runs)
    keepDays: 366   # runs recorded longer ago are pruned (default 366, from 1 to 36500)
\`\`\`

Both are optional; a wrong key or value is a configuration error (exit 78) naming it, read before
the estate is (\`--no-save\` reads none) and when the service starts.

The service runs one daily (\`scheduler.readiness\`, docs/service-scheduler.md). The web desk's
\`/readiness\` page shows the latest kept run of each account: its score and the trend over the recent
runs, the failing checks by severity with their resources and the fix, and the checks that could not
run. A case's page and its report (Markdown, PDF and JSON) list **the gaps that let it happen**
(\`src/readiness/gaps.ts\`): the failing checks of the latest run of the case's accounts that concern
it, matched by the results' resource ids and scopes, never by text: one of its resources (its
security group open on admin or proxy ports, IMDSv1 or no SSM on its instance, no flow logs on its
VPC, an old key of its user), its region (no trail logging it, no GuardDuty there), or its account
(no security contact, Health events not routed, abuse-desk cannot enter it; account-wide S3 Block
Public Access only for a case about a bucket). Checks that could not run where the case is are listed
as not checked, never as "no gap".

## Checks of the whole organization

\`abuse_desk_roles_deployed\` runs once, not per account: every active account Organizations lists
(ListAccounts from the management or a delegated administrator account), and every account
abuse-desk is configured for, is entered for reads and for writes the way the configuration does
(\`aws.assumeRole.roleName\` and \`containmentRoleName\`; the caller's own credentials for reads in
its own account). A role AssumeRole refuses fails the check; where the read-only role works,
\`iam:GetRole\` says whether the refused role is missing or does not trust abuse-desk. An account
where it could not be told (throttling, the network) is "could not run" there; when Organizations
cannot be listed, the configured accounts are still checked and the listing is reported as not run
(\`organization\`). No write is made: assuming the containment role changes nothing.

## The checks
`;

export function readinessDoc(): string {
  const parts = [INTRO];
  for (const c of CHECKS) {
    parts.push(
      [
        `### \`${c.id}\``,
        "",
        `**${c.title}.** Severity ${c.severity}, ${c.category}.${c.alignedWith ? ` Aligned with ${c.alignedWith}.` : " abuse-desk's own check (no Prowler or CIS equivalent)."}`,
        "",
        `Why it matters for abuse notices: ${c.why}`,
        "",
        `Fix: ${c.remediation.console}`,
        "",
        "```sh",
        c.remediation.cli,
        "```",
        "",
      ].join("\n"),
    );
  }
  return parts.join("\n");
}
