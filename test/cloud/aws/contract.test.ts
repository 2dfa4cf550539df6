/**
 * The cloud contract (test/cloud/contract.ts) on the AWS adapter: every test gets a fresh simulator
 * over the contract estate, and aws-sdk-client-mock handlers (fake-aws.ts) that answer the adapter's
 * SDK calls from it. The adapter discovers the accounts through Organizations and assumes a role in
 * each one but the caller's, exactly as it would against AWS.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeEach } from "vitest";
import { createAwsPort } from "../../../src/cloud/aws/index.ts";
import { parseEstate, SimAccount } from "../../../src/cloud/sim/index.ts";
import { cloudContract, CONTRACT_ESTATE } from "../contract.ts";
import { seedContractLogs } from "../contract-logs.ts";
import { installFakeAws } from "./fake-aws.ts";
import { mockAws } from "./helpers.ts";

const text = readFileSync(CONTRACT_ESTATE, "utf8");
const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

cloudContract("aws", async ({ faults, mutate }) => {
  aws.reset();
  const state = seedContractLogs(parseEstate(text, "contract.yaml").state);
  mutate?.(state);
  const sim = new SimAccount(state, { label: "sim:contract", faults: faults ?? [] });
  installFakeAws(sim, aws);
  const caller = state.callerAccountId;
  const port = createAwsPort({
    region: "us-east-1",
    credentials: async () => ({ accessKeyId: "AKIACONTRACTCALLER01", secretAccessKey: "contract", accountId: caller }),
    discoverAccounts: true,
    assumeRole: { roleName: "AbuseDeskReadOnly", containmentRoleName: "AbuseDeskContainment", externalId: "contract-external-id" },
    maxAttempts: 3,
    credentialReportPollMs: 0,
    // LookupEvents pacing (2 per second against AWS) is tested in global-services.test.ts; here it would only add wall time.
    lookupEventsPerSecond: 1000,
  });
  return { port };
});
