/**
 * What the AWS intake sources actually send, as IAM actions: the Health source (account view and
 * organization view) and the SQS source (keep, extend visibility, poison to the DLQ) run under
 * aws-sdk-client-mock down every path that costs a permission, and every command sent is recorded.
 * test/cloud/aws/policy.test.ts holds docs/iam/read-only-policy.json to exactly these plus the
 * port's read side.
 */
import { readFileSync } from "node:fs";
import {
  DescribeAffectedAccountsForOrganizationCommand,
  DescribeAffectedEntitiesCommand,
  DescribeAffectedEntitiesForOrganizationCommand,
  DescribeEventDetailsCommand,
  DescribeEventDetailsForOrganizationCommand,
  DescribeEventsCommand,
  DescribeEventsForOrganizationCommand,
  HealthClient,
} from "@aws-sdk/client-health";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { healthSource } from "../../src/intake/health.ts";
import { sqsSource } from "../../src/intake/sqs.ts";
import { instantSleep, MemoryCursors, memorySink, staticCredentials } from "./helpers.ts";

/** IAM action of an SDK command: `health:DescribeEvents` for DescribeEventsCommand on HealthClient. */
function actionOf(prefix: string, command: unknown): string {
  const name = (command as { constructor: { name: string } }).constructor.name.replace(/Command$/, "");
  return `${prefix}:${name}`;
}

export async function intakeActions(): Promise<Set<string>> {
  const used = new Set<string>();
  const health = mockClient(HealthClient);
  const sqs = mockClient(SQSClient);
  try {
    const event = { arn: "arn:aws:health:global::event/ABUSE/AWS_ABUSE_DOS_REPORT/x", service: "ABUSE", eventTypeCode: "AWS_ABUSE_DOS_REPORT", lastUpdatedTime: new Date("2024-05-20T00:00:00Z") };
    health.on(DescribeEventsCommand).resolves({ events: [event] });
    health.on(DescribeEventDetailsCommand).resolves({ successfulSet: [{ event }] });
    health.on(DescribeAffectedEntitiesCommand).resolves({ entities: [{ entityValue: "i-0123456789abcdef0" }] });
    health.on(DescribeEventsForOrganizationCommand).resolves({ events: [event] });
    health.on(DescribeAffectedAccountsForOrganizationCommand).resolves({ affectedAccounts: ["111122223333"] });
    health.on(DescribeEventDetailsForOrganizationCommand).resolves({ successfulSet: [{ awsAccountId: "111122223333", event }] });
    health.on(DescribeAffectedEntitiesForOrganizationCommand).resolves({ entities: [] });
    for (const organization of [false, true]) {
      await healthSource({ region: "us-east-1", organization }, { cursors: new MemoryCursors(), credentials: staticCredentials, sleep: instantSleep().sleep }).drain(memorySink(), new AbortController().signal);
    }
    for (const call of health.calls()) used.add(actionOf("health", call.args[0]));

    const good = readFileSync(new URL("../../fixtures/notices/health-eventbridge-abuse.json", import.meta.url), "utf8");
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: "good", ReceiptHandle: "rh-1", Body: good }, { MessageId: "poison", ReceiptHandle: "rh-2", Body: "not json" }] })
      .resolves({});
    let tick = () => {};
    const s = sqsSource(
      { queueUrl: "https://sqs.us-east-1.amazonaws.com/111122223333/abuse-desk-health-events", dlqUrl: "https://sqs.us-east-1.amazonaws.com/111122223333/abuse-desk-health-events-dlq" },
      { credentials: staticCredentials, sleep: instantSleep().sleep, every: (_ms, fn) => ((tick = fn), () => {}) },
    );
    const sink = memorySink();
    await s.drain(async (a) => {
      tick();
      await new Promise((r) => setImmediate(r));
      return sink(a);
    }, new AbortController().signal);
    for (const call of sqs.calls()) used.add(actionOf("sqs", call.args[0]));
  } finally {
    health.restore();
    sqs.restore();
  }
  return used;
}
