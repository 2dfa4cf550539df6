/** The cloud contract on the simulated account: a fresh simulator over the contract estate per test. */
import { readFileSync } from "node:fs";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { cloudContract, CONTRACT_ESTATE } from "./contract.ts";

const text = readFileSync(CONTRACT_ESTATE, "utf8");

cloudContract("sim", async ({ faults }) => {
  const { state } = parseEstate(text, "contract.yaml");
  return { port: new SimAccount(state, { label: "sim:contract", faults: faults ?? [] }) };
});
