/**
 * Inputs built to make pattern matching slow: long runs of one character, unclosed markers,
 * repeated verbs without objects. Used by the benchmark (timed) and the tests (which only need
 * them to finish: a quadratic pattern on 100 KB does not).
 */
export function hostileTexts(size: number): Record<string, string> {
  const rep = (unit: string) => unit.repeat(Math.max(1, Math.floor(size / unit.length)));
  return {
    "blank lines": rep("\n") + "--- forwarded report",
    "dash lines": rep("--\n"),
    spaces: rep(" ") + "x",
    "spaces around a star": rep(" ").slice(0, size / 2) + "*" + rep(" ").slice(0, size / 2),
    "quote marks": rep("> "),
    "equals signs": rep("= "),
    "unclosed log blocks": rep("<<<"),
    "host-like chains": rep("a."),
    "Unicode host-like chains": rep("а."),
    "long labels": rep("a".repeat(62) + "."),
    "hyphen chains": rep("ab-".repeat(30) + "."),
    "URL without end": "http://" + rep("x"),
    "at signs": "mailto:" + rep("@"),
    "verbs without objects": "password " + rep("provide aaaa "),
    "negations": rep("never ") + "send password",
    "requests cut by negations": rep("send your password. not "),
    "payments without nouns": rep("pay ") + "gift",
    "nested parentheses": rep("(") + rep(")"),
    "tag lists": rep("a=b; "),
  };
}
