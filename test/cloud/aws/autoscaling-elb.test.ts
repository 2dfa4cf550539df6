import {
  AttachInstancesCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  ResumeProcessesCommand,
  SetInstanceProtectionCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeLoadBalancersCommand as ClassicDescribeLoadBalancersCommand,
  DescribeTagsCommand as ClassicDescribeTagsCommand,
  RegisterInstancesWithLoadBalancerCommand,
} from "@aws-sdk/client-elastic-load-balancing";
import {
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { awsError, mockAws, SCOPE, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

const member = (InstanceId: string) => ({ InstanceId, AutoScalingGroupName: "web-asg", AvailabilityZone: "eu-west-1a", LifecycleState: "InService" as const, HealthStatus: "HEALTHY", ProtectedFromScaleIn: false });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-0b${String(i + 1).padStart(15, "0")}`);

describe("Auto Scaling reads", () => {
  it("autoScalingGroupsOf: DescribeAutoScalingInstances (50 ids a call), then the groups by name", async () => {
    const many = ids(51);
    aws.autoscaling
      .on(DescribeAutoScalingInstancesCommand)
      .resolvesOnce({ AutoScalingInstances: [member(many[0]!)] })
      .resolvesOnce({ AutoScalingInstances: [member(many[50]!)] });
    aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: "web-asg",
          AutoScalingGroupARN: "arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:uuid:autoScalingGroupName/web-asg",
          MinSize: 1,
          MaxSize: 4,
          DesiredCapacity: 2,
          DefaultCooldown: 300,
          AvailabilityZones: ["eu-west-1a"],
          HealthCheckType: "EC2",
          CreatedTime: new Date(0),
          VPCZoneIdentifier: "subnet-0aaa, subnet-0bbb",
          TargetGroupARNs: ["arn:tg"],
          LoadBalancerNames: ["legacy-clb"],
          SuspendedProcesses: [{ ProcessName: "ReplaceUnhealthy" }],
          Instances: [{ InstanceId: many[0], LifecycleState: "InService", HealthStatus: "Healthy", ProtectedFromScaleIn: false, AvailabilityZone: "eu-west-1a" }],
          Tags: [{ Key: "team", Value: "web" }],
        },
      ],
    });
    const groups = await testPort().autoScalingGroupsOf(SCOPE, many);
    expect(sent(aws.autoscaling, DescribeAutoScalingInstancesCommand)).toEqual([{ InstanceIds: many.slice(0, 50) }, { InstanceIds: many.slice(50) }]);
    expect(sent(aws.autoscaling, DescribeAutoScalingGroupsCommand)).toEqual([{ AutoScalingGroupNames: ["web-asg"] }]);
    expect(groups).toEqual([
      {
        name: "web-asg",
        arn: "arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:uuid:autoScalingGroupName/web-asg",
        minSize: 1,
        maxSize: 4,
        desiredCapacity: 2,
        subnetIds: ["subnet-0aaa", "subnet-0bbb"],
        targetGroupArns: ["arn:tg"],
        loadBalancerNames: ["legacy-clb"],
        suspendedProcesses: ["ReplaceUnhealthy"],
        instances: [{ instanceId: many[0], lifecycleState: "InService", healthStatus: "Healthy", protectedFromScaleIn: false, availabilityZone: "eu-west-1a" }],
        tags: { team: "web" },
      },
    ]);
  });

  it("an instance in no group costs one call and no group lookup", async () => {
    aws.autoscaling.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });
    expect(await testPort().autoScalingGroupsOf(SCOPE, ["i-0aaaaaaaaaaaaaaa1"])).toEqual([]);
    expect(aws.autoscaling).not.toHaveReceivedCommand(DescribeAutoScalingGroupsCommand);
  });

  it("describeAutoScalingGroups follows NextToken", async () => {
    aws.autoscaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({ AutoScalingGroups: [], NextToken: "n2" })
      .resolvesOnce({ AutoScalingGroups: [] });
    await testPort().describeAutoScalingGroups(SCOPE, ["a", "b"]);
    expect(sent(aws.autoscaling, DescribeAutoScalingGroupsCommand)).toEqual([{ AutoScalingGroupNames: ["a", "b"] }, { AutoScalingGroupNames: ["a", "b"], NextToken: "n2" }]);
  });

  it("asks for at most 50 group names per call (AWS's limit unless MaxRecords raises it)", async () => {
    aws.autoscaling.on(DescribeAutoScalingGroupsCommand).callsFake(async (input: { AutoScalingGroupNames?: string[]; MaxRecords?: number }) => {
      if ((input.AutoScalingGroupNames?.length ?? 0) > (input.MaxRecords ?? 50)) throw awsError("ValidationError", "too many names");
      return { AutoScalingGroups: (input.AutoScalingGroupNames ?? []).map((n) => ({ AutoScalingGroupName: n, MinSize: 0, MaxSize: 1, DesiredCapacity: 0 })) };
    });
    const names = Array.from({ length: 120 }, (_, i) => `asg-${i}`);
    const found = await testPort().describeAutoScalingGroups(SCOPE, names);
    expect(found.map((g) => g.name)).toEqual(names);
    expect((sent(aws.autoscaling, DescribeAutoScalingGroupsCommand) as { AutoScalingGroupNames: string[] }[]).map((i) => i.AutoScalingGroupNames.length)).toEqual([50, 50, 20]);
  });
});

describe("Auto Scaling writes: batches of 20, protection in batches of 50", () => {
  it("EnterStandby, ExitStandby, DetachInstances and AttachInstances go 20 ids a call, in order", async () => {
    aws.autoscaling.on(EnterStandbyCommand).resolves({}).on(ExitStandbyCommand).resolves({}).on(DetachInstancesCommand).resolves({}).on(AttachInstancesCommand).resolves({});
    const many = ids(45);
    const port = testPort();
    await port.enterStandby(SCOPE, "web-asg", many, true);
    await port.exitStandby(SCOPE, "web-asg", many);
    await port.detachInstances(SCOPE, "web-asg", many, false);
    await port.attachInstances(SCOPE, "web-asg", many);
    const batches = [many.slice(0, 20), many.slice(20, 40), many.slice(40)];
    expect(sent(aws.autoscaling, EnterStandbyCommand)).toEqual(batches.map((InstanceIds) => ({ AutoScalingGroupName: "web-asg", InstanceIds, ShouldDecrementDesiredCapacity: true })));
    expect(sent(aws.autoscaling, ExitStandbyCommand)).toEqual(batches.map((InstanceIds) => ({ AutoScalingGroupName: "web-asg", InstanceIds })));
    expect(sent(aws.autoscaling, DetachInstancesCommand)).toEqual(batches.map((InstanceIds) => ({ AutoScalingGroupName: "web-asg", InstanceIds, ShouldDecrementDesiredCapacity: false })));
    expect(sent(aws.autoscaling, AttachInstancesCommand)).toEqual(batches.map((InstanceIds) => ({ AutoScalingGroupName: "web-asg", InstanceIds })));
  });

  it("SetInstanceProtection goes 50 ids a call", async () => {
    aws.autoscaling.on(SetInstanceProtectionCommand).resolves({});
    const many = ids(120);
    await testPort().setInstanceProtection(SCOPE, "web-asg", many, true);
    expect(sent(aws.autoscaling, SetInstanceProtectionCommand)).toEqual([
      { AutoScalingGroupName: "web-asg", InstanceIds: many.slice(0, 50), ProtectedFromScaleIn: true },
      { AutoScalingGroupName: "web-asg", InstanceIds: many.slice(50, 100), ProtectedFromScaleIn: true },
      { AutoScalingGroupName: "web-asg", InstanceIds: many.slice(100), ProtectedFromScaleIn: true },
    ]);
  });

  it("a failing batch stops the rest (the ones before it are done, the ones after are not sent)", async () => {
    aws.autoscaling.on(EnterStandbyCommand).resolvesOnce({}).rejectsOnce(awsError("ValidationError", "not InService"));
    await expect(testPort().enterStandby(SCOPE, "web-asg", ids(60), false)).rejects.toMatchObject({ kind: "invalid", code: "ValidationError" });
    expect(aws.autoscaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 2);
  });

  it("suspend and resume name their processes; an empty list is never sent (AWS reads it as every process)", async () => {
    aws.autoscaling.on(SuspendProcessesCommand).resolves({}).on(ResumeProcessesCommand).resolves({});
    const port = testPort();
    await port.suspendProcesses(SCOPE, "web-asg", ["ReplaceUnhealthy", "Launch"]);
    await port.resumeProcesses(SCOPE, "web-asg", ["ReplaceUnhealthy"]);
    await port.suspendProcesses(SCOPE, "web-asg", []);
    await port.resumeProcesses(SCOPE, "web-asg", []);
    expect(sent(aws.autoscaling, SuspendProcessesCommand)).toEqual([{ AutoScalingGroupName: "web-asg", ScalingProcesses: ["ReplaceUnhealthy", "Launch"] }]);
    expect(sent(aws.autoscaling, ResumeProcessesCommand)).toEqual([{ AutoScalingGroupName: "web-asg", ScalingProcesses: ["ReplaceUnhealthy"] }]);
  });

  it("UpdateAutoScalingGroup sends only the sizes given", async () => {
    aws.autoscaling.on(UpdateAutoScalingGroupCommand).resolves({});
    const port = testPort();
    await port.updateAutoScalingGroup(SCOPE, "web-asg", { minSize: 0, desiredCapacity: 1 });
    await port.updateAutoScalingGroup(SCOPE, "web-asg", { maxSize: 6 });
    expect(sent(aws.autoscaling, UpdateAutoScalingGroupCommand)).toEqual([
      { AutoScalingGroupName: "web-asg", MinSize: 0, DesiredCapacity: 1 },
      { AutoScalingGroupName: "web-asg", MaxSize: 6 },
    ]);
  });
});

describe("target groups and load balancers", () => {
  const tg = (n: number) => ({
    TargetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/tg-${n}/0${n}`,
    TargetGroupName: `tg-${n}`,
    TargetType: "instance" as const,
    Protocol: "HTTPS" as const,
    Port: 443,
    VpcId: "vpc-0aaa",
    LoadBalancerArns: [`arn:lb-${n}`],
  });

  it("targetGroupsOf lists every target group (Marker pagination) and reads each one's targets", async () => {
    aws.elbv2
      .on(DescribeTargetGroupsCommand)
      .resolvesOnce({ TargetGroups: [tg(1)], NextMarker: "m2" })
      .resolvesOnce({ TargetGroups: [tg(2)] });
    aws.elbv2
      .on(DescribeTargetHealthCommand, { TargetGroupArn: tg(1).TargetGroupArn })
      .resolves({ TargetHealthDescriptions: [{ Target: { Id: "i-0aaaaaaaaaaaaaaa1", Port: 443, AvailabilityZone: "eu-west-1a" }, TargetHealth: { State: "healthy" } }] })
      .on(DescribeTargetHealthCommand, { TargetGroupArn: tg(2).TargetGroupArn })
      .resolves({ TargetHealthDescriptions: [{ Target: { Id: "i-0other", Port: 443 }, TargetHealth: { State: "healthy" } }] });
    const found = await testPort().targetGroupsOf(SCOPE, ["i-0aaaaaaaaaaaaaaa1"]);
    expect(sent(aws.elbv2, DescribeTargetGroupsCommand)).toEqual([{}, { Marker: "m2" }]);
    expect(sent(aws.elbv2, DescribeTargetHealthCommand)).toEqual([{ TargetGroupArn: tg(1).TargetGroupArn }, { TargetGroupArn: tg(2).TargetGroupArn }]);
    expect(found).toEqual([
      {
        targetGroupArn: tg(1).TargetGroupArn,
        name: "tg-1",
        targetType: "instance",
        protocol: "HTTPS",
        port: 443,
        vpcId: "vpc-0aaa",
        loadBalancerArns: ["arn:lb-1"],
        targets: [{ id: "i-0aaaaaaaaaaaaaaa1", port: 443, availabilityZone: "eu-west-1a", health: "healthy" }],
      },
    ]);
  });

  it("targetGroupsOf reads the groups' targets in parallel, within the per-region cap", async () => {
    const groups = Array.from({ length: 12 }, (_, i) => tg(i + 1));
    aws.elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: groups });
    let inFlight = 0;
    let peak = 0;
    aws.elbv2.on(DescribeTargetHealthCommand).callsFake(async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { TargetHealthDescriptions: [] };
    });
    await testPort({ maxConcurrency: 3 }).targetGroupsOf(SCOPE, ["i-0aaaaaaaaaaaaaaa1"]);
    expect(peak).toBe(3);
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 12);
  });

  it("describeLoadBalancers: ARNs to ELBv2, names to both generations, tags 20 at a time; unknown names are nothing", async () => {
    const arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web-alb/0abc";
    aws.elbv2
      .on(DescribeLoadBalancersCommand, { LoadBalancerArns: [arn] })
      .resolves({
        LoadBalancers: [
          {
            LoadBalancerArn: arn,
            LoadBalancerName: "web-alb",
            Type: "application",
            Scheme: "internet-facing",
            VpcId: "vpc-0aaa",
            DNSName: "web-alb-1.eu-west-1.elb.amazonaws.com",
            SecurityGroups: ["sg-alb"],
            AvailabilityZones: [{ ZoneName: "eu-west-1a", SubnetId: "subnet-0aaa" }],
          },
        ],
      })
      .on(DescribeLoadBalancersCommand, { Names: ["legacy-clb"] })
      .rejects(awsError("LoadBalancerNotFoundException", "One or more load balancers not found"));
    aws.elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: arn, Tags: [{ Key: "team", Value: "web" }] }] });
    aws.elb.on(ClassicDescribeLoadBalancersCommand).resolves({
      LoadBalancerDescriptions: [
        { LoadBalancerName: "legacy-clb", DNSName: "legacy.elb.amazonaws.com", Scheme: "internet-facing", VPCId: "vpc-0aaa", SecurityGroups: ["sg-clb"], Subnets: ["subnet-0aaa"], Instances: [{ InstanceId: "i-0legacy" }] },
      ],
    });
    aws.elb.on(ClassicDescribeTagsCommand).resolves({ TagDescriptions: [{ LoadBalancerName: "legacy-clb", Tags: [{ Key: "team", Value: "legacy" }] }] });

    const lbs = await testPort().describeLoadBalancers(SCOPE, { ids: [arn, "legacy-clb"] });
    expect(sent(aws.elbv2, DescribeLoadBalancersCommand)).toEqual([{ LoadBalancerArns: [arn] }, { Names: ["legacy-clb"] }]);
    expect(sent(aws.elb, ClassicDescribeLoadBalancersCommand)).toEqual([{ LoadBalancerNames: ["legacy-clb"] }]);
    expect(sent(aws.elbv2, DescribeTagsCommand)).toEqual([{ ResourceArns: [arn] }]);
    expect(sent(aws.elb, ClassicDescribeTagsCommand)).toEqual([{ LoadBalancerNames: ["legacy-clb"] }]);
    expect(lbs).toEqual([
        {
          id: arn,
          name: "web-alb",
          type: "application",
          scheme: "internet-facing",
          vpcId: "vpc-0aaa",
          dnsName: "web-alb-1.eu-west-1.elb.amazonaws.com",
          securityGroupIds: ["sg-alb"],
          subnetIds: ["subnet-0aaa"],
          tags: { team: "web" },
        },
        {
          id: "legacy-clb",
          name: "legacy-clb",
          type: "classic",
          scheme: "internet-facing",
          vpcId: "vpc-0aaa",
          dnsName: "legacy.elb.amazonaws.com",
          securityGroupIds: ["sg-clb"],
          subnetIds: ["subnet-0aaa"],
          instanceIds: ["i-0legacy"],
          tags: { team: "legacy" },
        },
      ]);
  });

  it("describeLoadBalancers by instance: the classic load balancers listing it", async () => {
    aws.elb
      .on(ClassicDescribeLoadBalancersCommand)
      .resolvesOnce({ LoadBalancerDescriptions: [{ LoadBalancerName: "a", Instances: [{ InstanceId: "i-0other" }] }], NextMarker: "m2" })
      .resolvesOnce({ LoadBalancerDescriptions: [{ LoadBalancerName: "b", Instances: [{ InstanceId: "i-0legacy" }] }] });
    aws.elb.on(ClassicDescribeTagsCommand).resolves({ TagDescriptions: [] });
    const lbs = await testPort().describeLoadBalancers(SCOPE, { instanceIds: ["i-0legacy"] });
    expect(sent(aws.elb, ClassicDescribeLoadBalancersCommand)).toEqual([{}, { Marker: "m2" }]);
    expect(lbs.map((l) => l.name)).toEqual(["b"]);
    expect(aws.elbv2).not.toHaveReceivedAnyCommand();
  });

  it("a list of names with an unknown one is asked again name by name", async () => {
    aws.elb.on(ClassicDescribeLoadBalancersCommand).callsFake(async (input: { LoadBalancerNames: string[] }) => {
      if (input.LoadBalancerNames.includes("gone")) throw awsError("LoadBalancerNotFound", "There is no ACTIVE Load Balancer named 'gone'");
      return { LoadBalancerDescriptions: input.LoadBalancerNames.map((LoadBalancerName) => ({ LoadBalancerName })) };
    });
    aws.elb.on(ClassicDescribeTagsCommand).resolves({ TagDescriptions: [] });
    aws.elbv2.on(DescribeLoadBalancersCommand).rejects(awsError("LoadBalancerNotFoundException"));
    const lbs = await testPort().describeLoadBalancers(SCOPE, { ids: ["a", "gone"] });
    expect(sent(aws.elb, ClassicDescribeLoadBalancersCommand)).toEqual([{ LoadBalancerNames: ["a", "gone"] }, { LoadBalancerNames: ["a"] }, { LoadBalancerNames: ["gone"] }]);
    expect(lbs.map((l) => l.name)).toEqual(["a"]);
  });

  it("deregisters and registers targets with their ports, and classic instances", async () => {
    aws.elbv2.on(DeregisterTargetsCommand).resolves({}).on(RegisterTargetsCommand).resolves({});
    aws.elb.on(DeregisterInstancesFromLoadBalancerCommand).resolves({}).on(RegisterInstancesWithLoadBalancerCommand).resolves({});
    const port = testPort();
    const targets = [{ id: "i-0aaaaaaaaaaaaaaa1", port: 443 }, { id: "i-0aaaaaaaaaaaaaaa2" }];
    await port.deregisterTargets(SCOPE, "arn:tg-1", targets);
    await port.registerTargets(SCOPE, "arn:tg-1", targets);
    await port.deregisterFromClassicLoadBalancer(SCOPE, "legacy-clb", ["i-0legacy"]);
    await port.registerWithClassicLoadBalancer(SCOPE, "legacy-clb", ["i-0legacy"]);
    const wire = [{ Id: "i-0aaaaaaaaaaaaaaa1", Port: 443 }, { Id: "i-0aaaaaaaaaaaaaaa2" }];
    expect(sent(aws.elbv2, DeregisterTargetsCommand)).toEqual([{ TargetGroupArn: "arn:tg-1", Targets: wire }]);
    expect(sent(aws.elbv2, RegisterTargetsCommand)).toEqual([{ TargetGroupArn: "arn:tg-1", Targets: wire }]);
    expect(sent(aws.elb, DeregisterInstancesFromLoadBalancerCommand)).toEqual([{ LoadBalancerName: "legacy-clb", Instances: [{ InstanceId: "i-0legacy" }] }]);
    expect(sent(aws.elb, RegisterInstancesWithLoadBalancerCommand)).toEqual([{ LoadBalancerName: "legacy-clb", Instances: [{ InstanceId: "i-0legacy" }] }]);
  });
});
