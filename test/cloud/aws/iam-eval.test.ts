/** The test evaluator follows IAM's documented evaluation rules for the features it implements. */
import { describe, expect, it } from "vitest";
import { evaluate, type PolicyDocument, type Statement } from "./iam-eval.ts";

const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const req = (context: Record<string, string | string[]> = {}, action = "ec2:CreateTags", resource = "arn:aws:ec2:eu-west-1:111122223333:instance/i-1") => ({ action, resource, context });

describe("IAM evaluator (test support)", () => {
  it("an explicit Deny wins over an Allow; nothing applying is the implicit deny", () => {
    const allow: Statement = { Effect: "Allow", Action: "ec2:*", Resource: "*" };
    expect(evaluate(doc(allow), req())).toBe("allowed");
    expect(evaluate(doc(allow, { Effect: "Deny", Action: "ec2:CreateTags", Resource: "*" }), req())).toBe("explicit-deny");
    expect(evaluate(doc({ Effect: "Allow", Action: "s3:*", Resource: "*" }), req())).toBe("implicit-deny");
    expect(evaluate(doc({ Effect: "Allow", Action: "EC2:createtags", Resource: "*" }), req()), "actions compare without case").toBe("allowed");
    expect(evaluate(doc({ Effect: "Allow", Action: "ec2:CreateTags", Resource: "arn:aws:ec2:*:*:security-group/*" }), req()), "resource").toBe("implicit-deny");
  });

  it("operators AND together, keys AND together, a key's values OR together; a missing key fails unless IfExists", () => {
    const s = (Condition: Statement["Condition"]): PolicyDocument => doc({ Effect: "Allow", Action: "*", Resource: "*", Condition });
    expect(evaluate(s({ StringEquals: { a: ["x", "y"] } }), req({ a: "y" }))).toBe("allowed");
    expect(evaluate(s({ StringEquals: { a: "x", b: "x" } }), req({ a: "x", b: "z" }))).toBe("implicit-deny");
    expect(evaluate(s({ StringEquals: { a: "x" }, Null: { b: "true" } }), req({ a: "x", b: "1" }))).toBe("implicit-deny");
    expect(evaluate(s({ StringEquals: { a: "x" } }), req({}))).toBe("implicit-deny");
    expect(evaluate(s({ StringEqualsIfExists: { a: "x" } }), req({}))).toBe("allowed");
    expect(evaluate(s({ StringEqualsIfExists: { a: "x" } }), req({ a: "z" }))).toBe("implicit-deny");
    expect(evaluate(s({ StringEquals: { A: "x" } }), req({ a: "x" })), "key names compare without case").toBe("allowed");
    expect(evaluate(s({ StringEquals: { a: "X" } }), req({ a: "x" })), "values do not").toBe("implicit-deny");
    expect(evaluate(s({ StringEqualsIgnoreCase: { a: "X" } }), req({ a: "x" }))).toBe("allowed");
    expect(evaluate(s({ NumericGreaterThan: { n: "0" } }), req({ n: "0" }))).toBe("implicit-deny");
    expect(evaluate(s({ NumericGreaterThan: { n: "0" } }), req({ n: "2" }))).toBe("allowed");
    expect(evaluate(s({ Null: { a: "false" } }), req({}))).toBe("implicit-deny");
  });

  it("ForAllValues holds vacuously on an absent key; ForAnyValue does not; a plain operator on a list is refused", () => {
    const s = (Condition: Statement["Condition"]): PolicyDocument => doc({ Effect: "Allow", Action: "*", Resource: "*", Condition });
    expect(evaluate(s({ "ForAllValues:StringLike": { k: "abuse-desk:*" } }), req({}))).toBe("allowed");
    expect(evaluate(s({ "ForAllValues:StringLike": { k: "abuse-desk:*" } }), req({ k: ["abuse-desk:case", "Owner"] }))).toBe("implicit-deny");
    expect(evaluate(s({ "ForAllValues:StringLike": { k: "abuse-desk:*" } }), req({ k: ["abuse-desk:case", "abuse-desk:plan"] }))).toBe("allowed");
    expect(evaluate(s({ "ForAnyValue:StringEquals": { k: "Owner" } }), req({}))).toBe("implicit-deny");
    expect(() => evaluate(s({ StringEquals: { k: "x" } }), req({ k: ["x", "y"] }))).toThrow(/ForAllValues or ForAnyValue/);
  });
});
