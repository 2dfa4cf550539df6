// Preloaded (`node --import`) by test/cli/fast-start.test.ts: stdout and stderr look like a terminal
// $ABUSE_DESK_TEST_COLUMNS wide, as commander and the output guard see them.
const columns = Number(process.env.ABUSE_DESK_TEST_COLUMNS);
for (const stream of [process.stdout, process.stderr]) {
  Object.defineProperty(stream, "isTTY", { value: true, configurable: true, writable: true });
  Object.defineProperty(stream, "columns", { value: columns, configurable: true, writable: true });
}
