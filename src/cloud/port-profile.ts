/**
 * An instance profile's roles (IAM GetInstanceProfile): EC2 reports the profile an instance holds
 * (DescribeInstances IamInstanceProfile.Arn), not its role; the investigation needs the role's ARN
 * to know the instance's credentials in CloudTrail (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
 * CloudReader extends this; the simulator (src/cloud/sim/profile.ts) and the AWS adapter
 * (src/cloud/aws/profile.ts) implement it, test/cloud/contract-profile.ts checks both.
 */
export interface InstanceProfile {
  instanceProfileName: string;
  arn: string;
  path: string;
  /** The role(s) in it (IAM allows one). */
  roles: { roleName: string; arn: string }[];
}

export interface InstanceProfileReader {
  /** The profile of that name in the account with its roles, or null when there is none. */
  getInstanceProfile(accountId: string, instanceProfileName: string): Promise<InstanceProfile | null>;
}

/** The profile name of an instance profile ARN (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME), or null. */
export function instanceProfileNameOf(arn: string): string | null {
  const m = /^arn:aws[a-z-]*:iam::\d{12}:instance-profile\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,128})$/.exec(arn);
  return m ? m[1]! : null;
}
