/**
 * The cloud contract on the simulated account: a fresh simulator over the contract estate per
 * test, with its indices (as it normally runs) and without (every query a scan: the benchmark's
 * baseline must give the same answers).
 */
import { readFileSync } from "node:fs";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { cloudContract, CONTRACT_ESTATE } from "./contract.ts";
import { seedContractLogs } from "./contract-logs.ts";

const text = readFileSync(CONTRACT_ESTATE, "utf8");
const state = seedContractLogs(parseEstate(text, "contract.yaml").state);

const fresh = (mutate?: (s: typeof state) => void) => {
  const s = structuredClone(state);
  mutate?.(s);
  return s;
};
cloudContract("sim", async ({ faults, mutate }) => ({ port: new SimAccount(fresh(mutate), { label: "sim:contract", faults: faults ?? [] }) }));
cloudContract("sim without indices", async ({ faults, mutate }) => ({ port: new SimAccount(fresh(mutate), { label: "sim:contract (scan)", faults: faults ?? [], indexed: false }) }));
