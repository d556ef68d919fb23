"""Loads every OSCAL export of a directory the way compliance-trestle's users do.

Usage: check.py EXPORT_DIR

For each *.json in EXPORT_DIR: parse it with trestle's pydantic model for its root
(SystemSecurityPlan, AssessmentResults, MappingCollection, Catalog, ...), then, in a fresh
`trestle init` workspace, run `trestle import -f FILE -o NAME` with default options. trestle
resolves a relative href against its working directory, so the imports run with EXPORT_DIR as
the working directory (the documents' relative hrefs name files next to them, as OSCAL says).
Exits non-zero, listing each failure, if anything fails.
"""

import json
import pathlib
import subprocess
import sys
import tempfile

from trestle.oscal.assessment_plan import AssessmentPlan
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog
from trestle.oscal.mapping import MappingCollection
from trestle.oscal.poam import PlanOfActionAndMilestones
from trestle.oscal.profile import Profile
from trestle.oscal.ssp import SystemSecurityPlan

MODELS = {
    "system-security-plan": SystemSecurityPlan,
    "assessment-results": AssessmentResults,
    "assessment-plan": AssessmentPlan,
    "mapping-collection": MappingCollection,
    "catalog": Catalog,
    "profile": Profile,
    "plan-of-action-and-milestones": PlanOfActionAndMilestones,
}


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    exports = pathlib.Path(sys.argv[1]).resolve()
    files = sorted(exports.glob("*.json"))
    if not files:
        print(f"no *.json in {exports}", file=sys.stderr)
        return 1
    trestle = pathlib.Path(sys.executable).with_name("trestle")
    failures = []
    seen = set()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = pathlib.Path(tmp) / "ws"
        workspace.mkdir()
        init = subprocess.run([str(trestle), "init"], cwd=workspace, capture_output=True, text=True)
        if init.returncode != 0:
            print(f"trestle init failed:\n{init.stdout}{init.stderr}", file=sys.stderr)
            return 1
        for path in files:
            with path.open(encoding="utf-8") as f:
                root = next(iter(json.load(f)), None)
            model = MODELS.get(root)
            if model is None:
                failures.append(f"{path.name}: no trestle model for root {root!r}")
                continue
            seen.add(root)
            try:
                model.oscal_read(path)
            except Exception as e:  # any load failure is a finding
                failures.append(f"{path.name}: {model.__name__}.oscal_read failed: {e}")
                continue
            imported = subprocess.run(
                [str(trestle), "import", "--trestle-root", str(workspace), "-f", str(path), "-o", path.stem],
                cwd=exports,
                capture_output=True,
                text=True,
            )
            output = imported.stdout + imported.stderr
            # trestle logs some failures at ERROR level with a zero exit status.
            if imported.returncode != 0 or "ERROR" in output:
                failures.append(f"{path.name}: trestle import failed ({imported.returncode}):\n{output}")
                continue
            print(f"ok {path.name} ({root})")
    for expected in [
        "system-security-plan",
        "assessment-results",
        "mapping-collection",
        "catalog",
        "plan-of-action-and-milestones",
    ]:
        if expected not in seen:
            failures.append(f"no {expected} among the exports")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
