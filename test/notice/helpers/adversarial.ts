/**
 * Hostile inputs of about 1 MiB built from the characters and fragments the parser's own patterns
 * look for: the classic way to make a backtracking regular expression take exponential time.
 * Used by test/notice/redos.test.ts (each must parse, and correctly) and by bench/parse.bench.ts
 * (how long each takes).
 */

const MB = 1024 * 1024;

function fill(unit: string, size = MB): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

export function adversarialInputs(): { name: string; text: string }[] {
  return [
    { name: "one 1 MiB line of 'a'", text: fill("a") },
    { name: "spaces", text: fill(" ") },
    { name: "colons", text: fill(":") },
    { name: "label-like 'a: '", text: fill("a: ") },
    { name: "inline labels without values", text: fill("AWS ID: Region: EC2 Instance Id: ") },
    { name: "labels with parentheses", text: fill("Abuse time, 24-hr format (hh:mm (hh:mm (") },
    { name: "x masks", text: "Instance Id: i-" + fill("x") },
    { name: "dotted digits", text: fill("1.1.1.1.") },
    { name: "ipv6-like", text: fill("a:b:c:d:e:f:") },
    { name: "ARN prefixes", text: fill("arn:aws:ec2:us-east-1:") },
    { name: "instance id prefixes", text: fill("i-0123456789abcdef") },
    { name: "access key shapes", text: fill("AKIAAKIAAKIA") },
    { name: "region fragments", text: fill("us-east-") },
    { name: "region names", text: fill("US East (N. Virginia (US West (") },
    { name: "open log block", text: "* Log Extract:\n<<<\n" + fill("<<< data\n") },
    { name: "time-like", text: fill("2018-11-28 02:04:18 UTC+") },
    { name: "month names", text: fill("Jan 15 Jan 15 ") },
    { name: "between without and", text: fill("between January 22 ") },
    { name: "window ends without a date", text: fill("from January 22 to January ") },
    { name: "window dashes", text: fill("22 Jan - 22 Jan -") },
    { name: "window month then spaces", text: "January" + fill(" ") },
    { name: "detection words without an object", text: fill("We have detected suspicious ") },
    { name: "mitigation heading then ports", text: "Mitigation applied:\n" + fill("Port: 25\n") },
    { name: "within without unit", text: fill("within five (5) within ") },
    { name: "resembles without end", text: fill("resembles ") },
    { name: "has been without end", text: fill("\nhas been ") },
    { name: "urls", text: fill("https://") },
    { name: "quoted JSON start", text: '"a": ' + fill("[") },
    { name: "deep JSON", text: fill("{\"a\":") },
    { name: "table header then junk", text: "Instance Id Remote IP Port Protocol Action Taken\n" + fill("i-0 1 2 3 x\n") },
    { name: "forward markers", text: fill("---------- Forwarded message ---------\nFrom: a\n") },
    { name: "many short lines", text: fill("Remote IP: 203.0.113.5\n") },
    { name: "blocked ports", text: fill("Blocked outbound TCP traffic on port 1, 2, 3 and ") },
    { name: "port list", text: "Remote port(s): " + fill("1, ") },
    { name: "html anchors", text: "<html>" + fill("<a href=\"x\">") },
    { name: "html line breaks", text: "From: a@example.com\nSubject: x\nContent-Type: text/html\n\n" + fill("<br>") },
    { name: "html whitespace", text: "From: a@example.com\nSubject: x\nContent-Type: text/html\n\n<pre>" + fill(" \t") },
    { name: "trailing spaces", text: fill("a" + " ".repeat(5000) + "\n") },
    { name: "quoted lines", text: fill("> > > From: x\n") },
    { name: "json strings", text: "{\"a\": \"" + fill("\\\"") },
  ];
}
