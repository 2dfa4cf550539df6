/**
 * Two scripted CloudTrail scenarios on one simulated estate:
 * - a scanning host launched by a leaked access key: the key (user ci-deploy) imports a key pair,
 *   opens SSH to the world on a group, launches i-...5ca1 in eu-west-1 and another instance in
 *   us-east-1, and creates a backdoor user;
 * - the role credentials of a web server used from outside it: calls with the role session named
 *   after the instance from 198.51.100.66 in two regions, beside its own calls (its public and
 *   private address, its VPC's NAT gateway) and AWS's calls on its behalf.
 * Plus noise: another user's calls that name nothing implicated.
 */
import type { EstateInput } from "../../../src/cloud/sim/schema.ts";
import type { Subject } from "../../../src/investigate/types.ts";

export const T = {
  account: "111122223333",
  /** The organization's log archive: the trail's bucket. */
  logAccount: "999988887777",
  region: "eu-west-1",
  leakedKey: "AKIAEXAMPLELEAKED001",
  leakedUser: "ci-deploy",
  attacker: "203.0.113.9",
  scanner: "i-0000000000005ca11",
  scannerIp: "54.76.10.20",
  miner: "i-0000000000000e1a1",
  openedGroup: "sg-0000000000000aaa1",
  web: "i-00000000000000eb1",
  webIp: "52.18.1.10",
  webPrivate: "10.0.1.10",
  natIp: "34.240.9.9",
  thief: "198.51.100.66",
  role: "web-role",
  now: "2026-12-07T12:00:00Z",
  window: { start: "2026-12-07T02:00:00Z", end: "2026-12-07T06:00:00Z" },
};

const A = T.account;
const rp = (o: Record<string, unknown>) => o;

export function trailEstate(): EstateInput {
  return {
    version: 1,
    now: T.now,
    accounts: [
      {
        accountId: A,
        enabledRegions: ["eu-west-1", "us-east-1"],
        iam: {
          users: [{ userName: T.leakedUser, createDate: "2026-01-01T00:00:00Z", accessKeys: [{ accessKeyId: T.leakedKey, createDate: "2026-01-01T00:00:00Z" }] }],
        },
        regions: {
          "eu-west-1": {
            vpcs: [{ vpcId: "vpc-00000000000000001", cidrBlock: "10.0.0.0/16" }],
            subnets: [{ subnetId: "subnet-00000000000000001", vpcId: "vpc-00000000000000001", cidrBlock: "10.0.1.0/24", availabilityZone: "eu-west-1a" }],
            securityGroups: [
              { groupId: T.openedGroup, groupName: "scan", vpcId: "vpc-00000000000000001" },
              { groupId: "sg-0000000000000bbb1", groupName: "web", vpcId: "vpc-00000000000000001" },
            ],
            addresses: [{ publicIp: T.natIp, allocationId: "eipalloc-0000000000000aaa1" }],
            natGateways: [{ natGatewayId: "nat-0000000000000aaa1", subnetId: "subnet-00000000000000001", networkInterfaceId: "eni-000000000000a0a01", privateIp: "10.0.1.200", allocationId: "eipalloc-0000000000000aaa1" }],
            instances: [
              {
                instanceId: T.scanner,
                imageId: "ami-00000000000000001",
                launchTime: "2026-12-07T03:01:00Z",
                keyName: "x",
                networkInterfaces: [{ networkInterfaceId: "eni-00000000000005ca1", subnetId: "subnet-00000000000000001", privateIpAddress: "10.0.1.50", publicIp: T.scannerIp, groupIds: [T.openedGroup] }],
              },
              {
                instanceId: T.web,
                imageId: "ami-00000000000000001",
                launchTime: "2026-06-01T00:00:00Z",
                iamInstanceProfile: `arn:aws:iam::${A}:instance-profile/${T.role}`,
                networkInterfaces: [{ networkInterfaceId: "eni-000000000000000eb", subnetId: "subnet-00000000000000001", privateIpAddress: T.webPrivate, publicIp: T.webIp, groupIds: ["sg-0000000000000bbb1"] }],
              },
            ],
            cloudTrail: [
              { eventName: "ImportKeyPair", eventTime: "2026-12-07T02:58:00Z", username: T.leakedUser, accessKeyId: T.leakedKey, sourceIpAddress: T.attacker, resources: [{ type: "AWS::EC2::KeyPair", name: "x" }], requestParameters: rp({ keyName: "x" }), responseElements: rp({ keyName: "x", keyPairId: "key-0000000000000aaa1" }) },
              {
                eventName: "AuthorizeSecurityGroupIngress",
                eventTime: "2026-12-07T03:00:00Z",
                username: T.leakedUser,
                accessKeyId: T.leakedKey,
                sourceIpAddress: T.attacker,
                resources: [{ type: "AWS::EC2::SecurityGroup", name: T.openedGroup }],
                requestParameters: rp({ groupId: T.openedGroup, ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } }] } }),
              },
              {
                eventName: "RunInstances",
                eventTime: "2026-12-07T03:01:00Z",
                username: T.leakedUser,
                accessKeyId: T.leakedKey,
                sourceIpAddress: T.attacker,
                requestParameters: rp({ instanceType: "c5.4xlarge", imageId: "ami-00000000000000001", keyName: "x" }),
                responseElements: rp({ instancesSet: { items: [{ instanceId: T.scanner }] } }),
              },
              { eventName: "SendCommand", eventTime: "2026-12-07T04:30:00Z", username: "alice", sourceIpAddress: "192.0.2.1", resources: [{ type: "AWS::EC2::Instance", name: T.web }], requestParameters: rp({ documentName: "AWS-RunShellScript", instanceIds: [T.web] }) },
              { eventName: "DescribeInstances", eventTime: "2026-12-07T04:31:00Z", username: "alice", sourceIpAddress: "192.0.2.1", requestParameters: rp({ filterSet: {} }) },
              // The web server's role session: from the instance itself, its NAT gateway, on its behalf by AWS, and from a stranger.
              { eventName: "DescribeTags", eventTime: "2026-12-07T04:00:00Z", username: `${T.role}/${T.web}`, accessKeyId: "ASIAEXAMPLEROLE00001", sourceIpAddress: T.webIp, requestParameters: rp({}) },
              { eventName: "DescribeVolumes", eventTime: "2026-12-07T04:01:00Z", username: `${T.role}/${T.web}`, accessKeyId: "ASIAEXAMPLEROLE00001", sourceIpAddress: T.natIp, requestParameters: rp({}) },
              { eventName: "DescribeInstances", eventTime: "2026-12-07T04:06:00Z", username: `${T.role}/${T.web}`, accessKeyId: "ASIAEXAMPLEROLE00001", sourceIpAddress: T.thief, requestParameters: rp({}) },
              { eventName: "CreateSnapshot", eventTime: "2026-12-07T04:07:00Z", username: `${T.role}/${T.web}`, accessKeyId: "ASIAEXAMPLEROLE00001", sourceIpAddress: "ec2.amazonaws.com", requestParameters: rp({ volumeId: "vol-00000000000000001" }) },
            ],
          },
          "us-east-1": {
            cloudTrail: [
              {
                eventName: "RunInstances",
                eventTime: "2026-12-07T03:05:00Z",
                username: T.leakedUser,
                accessKeyId: T.leakedKey,
                sourceIpAddress: T.attacker,
                requestParameters: rp({ instanceType: "p3.2xlarge", imageId: "ami-00000000000000002" }),
                responseElements: rp({ instancesSet: { items: [{ instanceId: T.miner }] } }),
              },
              { eventName: "CreateUser", eventTime: "2026-12-07T03:10:00Z", username: T.leakedUser, accessKeyId: T.leakedKey, sourceIpAddress: T.attacker, requestParameters: rp({ userName: "backup-admin" }) },
              { eventName: "GetCallerIdentity", eventTime: "2026-12-07T04:05:00Z", username: `${T.role}/${T.web}`, accessKeyId: "ASIAEXAMPLEROLE00001", sourceIpAddress: T.thief, requestParameters: null },
              // Outside the window: not asked for.
              { eventName: "CreateUser", eventTime: "2026-12-06T03:10:00Z", username: T.leakedUser, accessKeyId: T.leakedKey, sourceIpAddress: T.attacker, requestParameters: rp({ userName: "older" }) },
            ],
          },
        },
      },
      { accountId: "999988887777", enabledRegions: ["us-east-1"] },
    ],
  };
}

const scope = { accountId: T.account, region: T.region };

/** The subject of the scanning notice: the scanner, with the leaked key found as the launcher's. */
export function scanSubject(): Subject {
  return {
    caseId: "case-scan",
    activityType: "port_scan",
    window: T.window,
    noticeWindow: { begin: "2026-12-07T03:30:00Z", end: "2026-12-07T05:00:00Z" },
    remoteIps: [],
    remotePorts: [22],
    resources: [{ scope, kind: "instance", id: T.scanner, publicIps: [T.scannerIp], privateIps: ["10.0.1.50"], networkInterfaceIds: ["eni-00000000000005ca1"] }],
    principals: [{ accountId: T.account, kind: "access-key", id: T.leakedKey }],
    containedAt: null,
  };
}

/** The subject of a notice about the web server (its role credentials are the question). */
export function webSubject(): Subject {
  return {
    caseId: "case-web",
    activityType: "port_scan",
    window: T.window,
    noticeWindow: { begin: null, end: null },
    remoteIps: [],
    remotePorts: [],
    resources: [{ scope, kind: "instance", id: T.web, publicIps: [T.webIp], privateIps: [T.webPrivate], networkInterfaceIds: ["eni-000000000000000eb"], instanceRoleArn: `arn:aws:iam::${T.account}:role/${T.role}` }],
    principals: [],
    containedAt: null,
  };
}
