/** One human time format: UTC, the person's zone when it is not UTC, the time left or overdue for a deadline. */
import { afterEach, describe, expect, it } from "vitest";
import { humanTime, localZone } from "../../src/time.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const AT = "2026-05-01T14:03:07.000Z";

describe("humanTime", () => {
  it("UTC alone when the zone is UTC", () => {
    expect(humanTime(AT, { tz: "UTC" })).toBe("2026-05-01 14:03 UTC");
    expect(humanTime(AT, { tz: "Etc/UTC", seconds: true })).toBe("2026-05-01 14:03:07 UTC");
  });

  it("the person's zone beside UTC, with its date when the day differs", () => {
    expect(humanTime(AT, { tz: "Europe/Berlin" })).toBe("2026-05-01 14:03 UTC (16:03 CEST)");
    expect(humanTime(AT, { tz: "Australia/Sydney" })).toBe("2026-05-01 14:03 UTC (2026-05-02 00:03 GMT+10)");
    expect(humanTime(AT, { tz: "America/New_York" })).toBe("2026-05-01 14:03 UTC (10:03 GMT-4)");
  });

  it("a deadline says the time left, overdue, or due now", () => {
    expect(humanTime(AT, { tz: "UTC", now: new Date("2026-05-01T10:51:00Z") })).toBe("2026-05-01 14:03 UTC, 3 h 12 min left");
    expect(humanTime(AT, { tz: "UTC", now: new Date("2026-05-02T16:03:07Z") })).toBe("2026-05-01 14:03 UTC, overdue by 1 d 2 h");
    expect(humanTime(AT, { tz: "UTC", now: new Date(AT) })).toBe("2026-05-01 14:03 UTC, due now");
  });

  it("an unknown zone is left out; a non-time is shown as it is", () => {
    expect(humanTime(AT, { tz: "Nowhere/Atlantis" })).toBe("2026-05-01 14:03 UTC");
    expect(humanTime("soon", { tz: "UTC" })).toBe("soon");
    expect(humanTime(null)).toBe("");
  });

  it("takes the zone from TZ", () => {
    expect(localZone({ TZ: "Europe/Lisbon" })).toBe("Europe/Lisbon");
    expect(localZone({ TZ: ":Asia/Tokyo" })).toBe("Asia/Tokyo");
  });
});

describe("at the command line", () => {
  tempHome("abuse-desk-time-");
  afterEach(() => {
    process.env.TZ = "UTC";
  });

  it("case list, case show and intake write deadlines in UTC and TZ with the time left or overdue", async () => {
    process.env.TZ = "Asia/Tokyo";
    const intake = await runCli("intake", "fixtures/notices/aws2017-multi-resource.eml", "--offline");
    expect(intake.code).toBe(0);
    // The notice is from 2017: long overdue. Tokyo is UTC+9 all year.
    expect(intake.out).toMatch(/deadline \d{4}-\d\d-\d\d \d\d:\d\d UTC \((\d{4}-\d\d-\d\d )?\d\d:\d\d (GMT\+9|JST)\), overdue by \d+ d/);
    const list = await runCli("case", "list");
    expect(list.out).toMatch(/UTC \((\d{4}-\d\d-\d\d )?\d\d:\d\d (GMT\+9|JST)\), overdue by/);
    const id = /AD-\d{4}-\d{4}/.exec(list.out)![0];
    const show = await runCli("case", "show", id);
    expect(show.out).toMatch(/deadline\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC \(.*(GMT\+9|JST)\), overdue by/);
  });
});
