/** Schedulers racing on one PostgreSQL store (four pools on one schema); no server, no pass (test/case/pg.ts). */
import { pgStores } from "./helpers.ts";
import { raceSuite } from "./scheduler-race.ts";

raceSuite("PostgreSQL", pgStores);
