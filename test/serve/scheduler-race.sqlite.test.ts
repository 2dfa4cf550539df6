/** Schedulers racing on one SQLite store (four connections to one file). */
import { sqliteStores } from "./helpers.ts";
import { raceSuite } from "./scheduler-race.ts";

raceSuite("SQLite", sqliteStores);
