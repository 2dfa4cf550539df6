/**
 * `serve --once` as a process of its own, for the kill tests: built like the CLI builds it, and
 * SIGKILLed by itself at the named point (after an arrival is kept and before the folder source
 * moves the file; after a stage is recorded; in the middle of applying the plan).
 *
 *   node --import tsx test/serve/child/serve-once.ts '{"home":"...","url":"...","killAt":"cased"}'
 */
import { openCloud } from "../../../src/cloud/open.ts";
import { countingPort, testService } from "../service-helpers.ts";

const { home, url, killAt, workers } = JSON.parse(process.argv[2]!) as { home: string; url?: string; killAt?: string; workers?: number };
const die = (where: string) => {
  process.stdout.write(`killed ${where}\n`);
  process.kill(process.pid, "SIGKILL");
};
let applying = 0;
const sim = countingPort(await openCloud("sim", { home }), (m) => {
  // the third change to the account: some steps done, one under way, the rest not started
  if (killAt === "applying" && /^(create|modify|authorize|revoke|tag|attach|detach|stop|disable|put|associate|replace)/.test(m) && ++applying === 3) die("applying");
});
const opened = await testService({
  home,
  ...(url ? { storeUrl: url } : {}),
  port: sim.port,
  ...(workers ? { intake: { workers } } : {}),
  hooks: {
    afterKeep: () => {
      if (killAt === "kept") die("kept");
    },
    afterStage: (stage) => {
      if (stage === killAt) die(stage);
    },
  },
});
const summary = await opened.service.once();
process.stdout.write(`done ${JSON.stringify(summary)}\n`);
await opened.close();
