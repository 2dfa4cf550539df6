import { describe, expect, it } from "vitest";
import { classifyHost, editDistance, skeleton } from "../../src/verify/hosts.ts";

const kind = (h: string) => classifyHost(h).kind;

describe("classifyHost", () => {
  it.each([
    ["aws.amazon.com", "aws"],
    ["docs.aws.amazon.com", "aws"],
    ["console.aws.amazon.com.", "aws"],
    ["signin.aws.amazon.com", "aws"],
    ["d1.awsstatic.com", "aws"],
    ["repost.aws", "aws"],
    ["support.aws.com", "aws"],
    ["amazonses.com", "aws"],
    ["bucket.s3.amazonaws.com", "aws-customer"],
    ["bucket.s3.eu-west-1.amazonaws.com", "aws-customer"],
    ["abc123.execute-api.us-east-1.amazonaws.com", "aws-customer"],
    ["ec2-203-0-113-7.eu-west-1.compute.amazonaws.com", "aws-customer"],
    ["d111111abcdef8.cloudfront.net", "aws-customer"],
    ["corp.awsapps.com", "aws-customer"],
    ["abc.lambda-url.us-east-1.on.aws", "aws-customer"],
    ["r.us-east-1.awstrack.me", "aws-customer"],
    ["amazon.de", "amazon-retail"],
    ["www.amazon.co.uk", "amazon-retail"],
    ["203.0.113.9", "ip"],
    ["[2001:db8::1]", "ip"],
    ["bit.ly", "shortener"],
    ["amzn.to", "shortener"],
    ["xn--mazon-3ve.com", "homograph"],
    ["аmazon.com", "homograph"],
    ["xn--ws-6kc.com", "homograph"],
    ["amaz0n.com", "lookalike"],
    ["arnazon.com", "lookalike"],
    ["amazom.com", "lookalike"],
    ["amzaon-support.net", "lookalike"],
    ["aws-abuse-team.com", "lookalike"],
    ["awsabuse.net", "lookalike"],
    ["my-aws.example", "lookalike"],
    ["amazonaws-security.com", "lookalike"],
    ["aws.amazon.com.example.net", "subdomain-trick"],
    ["amazon.com-login.example", "subdomain-trick"],
    ["signin.aws.evil.example", "subdomain-trick"],
    ["xn--bcher-kva.example", "punycode"],
    ["flaws.cloud", "other"],
    ["laws.com", "other"],
    ["github.com", "other"],
    ["example.net", "other"],
    ["amazing.example", "other"],
  ])("%s is %s", (host, expected) => {
    expect(kind(host)).toBe(expected);
  });

  it("names what a look-alike imitates", () => {
    expect(classifyHost("xn--mazon-3ve.com").imitates).toBe("amazon.com");
    expect(classifyHost("аmazon.com").display).toBe("аmazon.com");
    expect(classifyHost("аmazon.com").ascii).toBe("xn--mazon-3ve.com");
    expect(classifyHost("aws.amazon.com.example.net").domain).toBe("example.net");
  });

  it("an invalid host is said to be one, not thrown", () => {
    expect(kind("exa mple..com")).toBe("invalid");
  });
});

describe("skeleton and edit distance", () => {
  it("folds confusables, digits and two-letter shapes", () => {
    expect(skeleton("Аmаzоn")).toBe("amazon");
    expect(skeleton("amaz0n")).toBe("amazon");
    expect(skeleton("arnazon")).toBe("amazon");
    expect(skeleton("avvs")).toBe("aws");
  });

  it("counts transpositions as one edit and gives up above the bound", () => {
    expect(editDistance("amzaon", "amazon", 2)).toBe(1);
    expect(editDistance("amazon", "amazon", 1)).toBe(0);
    expect(editDistance("zzzzzzzz", "amazon", 2)).toBe(3);
  });
});
