#!/usr/bin/python3
"""tools/test.sh's closing line over every test project's .trx results: `tests: N passed, N failed, N skipped`.

  test_summary.py RESULTS_DIR
"""
import glob
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    passed = failed = skipped = 0
    for path in glob.glob(argv[1] + "/*.trx"):
        counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", NS)
        if counters is None:
            continue
        passed += int(counters.get("passed", 0))
        failed += int(counters.get("failed", 0)) + int(counters.get("error", 0))
        skipped += int(counters.get("notExecuted", 0))
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")


if __name__ == "__main__":
    main(sys.argv)
