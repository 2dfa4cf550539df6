/**
 * The AWS side of the fleet and Lightsail methods (../port-fleet.ts): spot fleet requests and EC2
 * fleets with the instances they run; cancelled and deleted with TerminateInstances=false, always
 * (abuse-desk never terminates); Lightsail instances read, snapshotted, stopped and started.
 *
 * CancelSpotFleetRequests and DeleteFleets answer 200 with a per-fleet list of failures: a failure
 * there is an error here (the first one, with AWS's code), never a silent success.
 */
import {
  CancelSpotFleetRequestsCommand,
  DeleteFleetsCommand,
  DescribeFleetInstancesCommand,
  DescribeSpotFleetInstancesCommand,
  paginateDescribeFleets,
  paginateDescribeSpotFleetRequests,
} from "@aws-sdk/client-ec2";
import { CreateInstanceSnapshotCommand, GetInstanceSnapshotCommand, GetInstancesCommand, StartInstanceCommand, StopInstanceCommand } from "@aws-sdk/client-lightsail";
import { CloudError } from "../errors.ts";
import type { Scope } from "../model.ts";
import { LIGHTSAIL_REGIONS, type Ec2Fleet, type LightsailInstance, type LightsailInstanceSnapshot, type SpotFleetRequest } from "../port-fleet.ts";
import { definedOnly, iso as isoMs, tagsOf } from "./convert.ts";
import { isNotFound } from "./errors.ts";
import { allPages, target, type Ctx } from "./session.ts";

/** EC2 and Lightsail record whole seconds, as CloudTrail and the simulator write them. */
const iso = (d: Date | undefined): string => isoMs(d)?.replace(/\.000Z$/, "Z") ?? "";
/** AWS's pages are bounded; a token that never ends is a broken endpoint, not a reason to loop forever. */
const MAX_PAGES = 1000;

const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort();

async function tokenPages<P extends { NextToken?: string | undefined }>(fetch: (token: string | undefined) => Promise<P>): Promise<P[]> {
  const pages: P[] = [];
  let token: string | undefined;
  do {
    const p = await fetch(token);
    pages.push(p);
    token = p.NextToken || undefined;
  } while (token && pages.length < MAX_PAGES);
  return pages;
}

export async function describeSpotFleetRequests(ctx: Ctx, scope: Scope, ids?: string[]): Promise<SpotFleetRequest[]> {
  if (ids && ids.length === 0) return [];
  const t = target(ctx, scope);
  const pages = await ctx.session.run("ec2.DescribeSpotFleetRequests", t, (ec2) => allPages(paginateDescribeSpotFleetRequests, ec2, ids ? { SpotFleetRequestIds: ids } : {}));
  const configs = pages.flatMap((p) => p.SpotFleetRequestConfigs ?? []);
  return Promise.all(
    configs.map(async (c) => {
      const id = c.SpotFleetRequestId ?? "";
      const running = await ctx.session.run("ec2.DescribeSpotFleetInstances", t, (ec2) => tokenPages((NextToken) => ec2.send(new DescribeSpotFleetInstancesCommand({ SpotFleetRequestId: id, ...(NextToken ? { NextToken } : {}) }))));
      const cfg = c.SpotFleetRequestConfig;
      const types = [...(cfg?.LaunchSpecifications ?? []).map((l) => l.InstanceType), ...(cfg?.LaunchTemplateConfigs ?? []).flatMap((l) => (l.Overrides ?? []).map((o) => o.InstanceType))];
      return {
        spotFleetRequestId: id,
        state: c.SpotFleetRequestState ?? "",
        createTime: iso(c.CreateTime),
        type: cfg?.Type ?? "maintain",
        targetCapacity: cfg?.TargetCapacity ?? 0,
        instanceTypes: uniq([...types, ...running.flatMap((p) => (p.ActiveInstances ?? []).map((a) => a.InstanceType))]),
        instanceIds: uniq(running.flatMap((p) => (p.ActiveInstances ?? []).map((a) => a.InstanceId))),
        tags: tagsOf(c.Tags),
      };
    }),
  );
}

export async function describeFleets(ctx: Ctx, scope: Scope, ids?: string[]): Promise<Ec2Fleet[]> {
  if (ids && ids.length === 0) return [];
  const t = target(ctx, scope);
  const pages = await ctx.session.run("ec2.DescribeFleets", t, (ec2) => allPages(paginateDescribeFleets, ec2, ids ? { FleetIds: ids } : {}));
  const fleets = pages.flatMap((p) => p.Fleets ?? []);
  return Promise.all(
    fleets.map(async (f) => {
      const id = f.FleetId ?? "";
      const type = f.Type ?? "maintain";
      const configured = (f.LaunchTemplateConfigs ?? []).flatMap((l) => (l.Overrides ?? []).map((o) => o.InstanceType as string | undefined));
      // An instant fleet's instances come with DescribeFleets; the others' are read with DescribeFleetInstances.
      let running: { id?: string | undefined; type?: string | undefined }[];
      if (type === "instant") running = (f.Instances ?? []).flatMap((g) => (g.InstanceIds ?? []).map((i) => ({ id: i, type: g.InstanceType })));
      else {
        const got = await ctx.session.run("ec2.DescribeFleetInstances", t, (ec2) => tokenPages((NextToken) => ec2.send(new DescribeFleetInstancesCommand({ FleetId: id, ...(NextToken ? { NextToken } : {}) }))));
        running = got.flatMap((p) => (p.ActiveInstances ?? []).map((a) => ({ id: a.InstanceId, type: a.InstanceType })));
      }
      return {
        fleetId: id,
        state: f.FleetState ?? "",
        type,
        createTime: iso(f.CreateTime),
        targetCapacity: f.TargetCapacitySpecification?.TotalTargetCapacity ?? 0,
        instanceTypes: uniq([...configured, ...running.map((r) => r.type)]),
        instanceIds: uniq(running.map((r) => r.id)),
        tags: tagsOf(f.Tags),
      };
    }),
  );
}

function partialFailure(action: string, scope: Scope, failures: { id: string | undefined; code: string | undefined; message: string | undefined }[]): void {
  const f = failures[0];
  if (!f) return;
  const code = f.code ?? "error";
  const kind = /NotFound|DoesNotExist|Malformed/i.test(code) ? "not-found" : "invalid";
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : "";
  throw new CloudError(kind, `AWS refused ${action} for ${f.id ?? "?"} in account ${scope.accountId}, region ${scope.region} (${code}${f.message ? `: ${f.message}` : ""})${more}`, { code, action, ...scope });
}

export async function cancelSpotFleetRequests(ctx: Ctx, scope: Scope, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const out = await ctx.session.run("ec2.CancelSpotFleetRequests", target(ctx, scope), (ec2) => ec2.send(new CancelSpotFleetRequestsCommand({ SpotFleetRequestIds: ids, TerminateInstances: false })));
  partialFailure("ec2:CancelSpotFleetRequests", scope, (out.UnsuccessfulFleetRequests ?? []).map((u) => ({ id: u.SpotFleetRequestId, code: u.Error?.Code, message: u.Error?.Message })));
}

export async function deleteFleets(ctx: Ctx, scope: Scope, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const out = await ctx.session.run("ec2.DeleteFleets", target(ctx, scope), (ec2) => ec2.send(new DeleteFleetsCommand({ FleetIds: ids, TerminateInstances: false })));
  partialFailure("ec2:DeleteFleets", scope, (out.UnsuccessfulFleetDeletions ?? []).map((u) => ({ id: u.FleetId, code: u.Error?.Code, message: u.Error?.Message })));
}

export async function getLightsailInstances(ctx: Ctx, scope: Scope): Promise<LightsailInstance[] | null> {
  if (!LIGHTSAIL_REGIONS.has(scope.region)) return null;
  const pages = await ctx.session.run("lightsail.GetInstances", target(ctx, scope), async (ls) => {
    const out = [];
    let pageToken: string | undefined;
    do {
      const p = await ls.send(new GetInstancesCommand(pageToken ? { pageToken } : {}));
      out.push(p);
      pageToken = p.nextPageToken || undefined;
    } while (pageToken && out.length < MAX_PAGES);
    return out;
  });
  return pages
    .flatMap((p) => p.instances ?? [])
    .map((i) =>
      definedOnly({
        name: i.name ?? "",
        arn: i.arn ?? "",
        createdAt: iso(i.createdAt),
        state: i.state?.name ?? "",
        bundleId: i.bundleId ?? "",
        blueprintId: i.blueprintId ?? "",
        publicIpAddress: i.publicIpAddress,
        tags: Object.fromEntries((i.tags ?? []).filter((x) => x.key !== undefined).map((x) => [x.key!, x.value ?? ""])),
      }),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}

function offered(scope: Scope, action: string): void {
  if (!LIGHTSAIL_REGIONS.has(scope.region)) throw new CloudError("unavailable", `Lightsail is not offered in ${scope.region}`, { action, ...scope });
}

export async function getLightsailInstanceSnapshot(ctx: Ctx, scope: Scope, snapshotName: string): Promise<LightsailInstanceSnapshot | null> {
  offered(scope, "lightsail:GetInstanceSnapshot");
  try {
    const out = await ctx.session.run("lightsail.GetInstanceSnapshot", target(ctx, scope), (ls) => ls.send(new GetInstanceSnapshotCommand({ instanceSnapshotName: snapshotName })));
    const s = out.instanceSnapshot;
    return s ? { name: s.name ?? snapshotName, fromInstanceName: s.fromInstanceName ?? "", state: s.state ?? "", createdAt: iso(s.createdAt) } : null;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export async function createLightsailInstanceSnapshot(ctx: Ctx, scope: Scope, instanceName: string, snapshotName: string): Promise<void> {
  offered(scope, "lightsail:CreateInstanceSnapshot");
  await ctx.session.run("lightsail.CreateInstanceSnapshot", target(ctx, scope), (ls) => ls.send(new CreateInstanceSnapshotCommand({ instanceName, instanceSnapshotName: snapshotName })));
}

export async function stopLightsailInstance(ctx: Ctx, scope: Scope, instanceName: string): Promise<void> {
  offered(scope, "lightsail:StopInstance");
  await ctx.session.run("lightsail.StopInstance", target(ctx, scope), (ls) => ls.send(new StopInstanceCommand({ instanceName })));
}

export async function startLightsailInstance(ctx: Ctx, scope: Scope, instanceName: string): Promise<void> {
  offered(scope, "lightsail:StartInstance");
  await ctx.session.run("lightsail.StartInstance", target(ctx, scope), (ls) => ls.send(new StartInstanceCommand({ instanceName })));
}
