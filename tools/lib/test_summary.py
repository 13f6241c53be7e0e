#!/usr/bin/python3
"""tools/test.sh's closing lines over every test project's .trx results: each failed test with the first lines of its
message, then `tests: N passed, N failed, N skipped`. The failures come last so that the tail of a CI log says why.

  test_summary.py RESULTS_DIR
"""
import glob
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
MESSAGE_LINES = 12


def failures(root):
    """(test name, message) of every failed result in one .trx."""
    for result in root.iterfind("t:Results/t:UnitTestResult", NS):
        if result.get("outcome") not in ("Failed", "Error"):
            continue
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS)
        trace = result.findtext("t:Output/t:ErrorInfo/t:StackTrace", default="", namespaces=NS)
        frames = [line.strip() for line in trace.splitlines() if " in /" in line][:2]
        yield result.get("testName", "?"), message.strip().splitlines()[:MESSAGE_LINES] + frames


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    passed = failed = skipped = 0
    failed_tests = []
    for path in sorted(glob.glob(argv[1] + "/*.trx")):
        root = ET.parse(path).getroot()
        counters = root.find("t:ResultSummary/t:Counters", NS)
        if counters is None:
            continue
        passed += int(counters.get("passed", 0))
        failed += int(counters.get("failed", 0)) + int(counters.get("error", 0))
        skipped += int(counters.get("notExecuted", 0))
        failed_tests.extend(failures(root))
    for name, lines in failed_tests:
        print(f"FAILED {name}")
        for line in lines:
            print(f"    {line}")
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")


if __name__ == "__main__":
    main(sys.argv)
