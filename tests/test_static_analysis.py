"""Static analysis in the suite: bandit over trainer/ (pyproject's [tool.bandit]) finds nothing that is not
explained where it is accepted, and a dependency audit that must reach its advisory data to pass."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: ``# nosec B311  # why``: the test it silences and the reason (bandit reads up to the second ``#``).
EXPLAINED = re.compile(r"# nosec (B\d{3})(, B\d{3})*  # \S.{4,}$")
#: Known vulnerabilities accepted for now, by advisory id, with the reason (none).
ACCEPTED_ADVISORIES = {}


def _bandit(*args):
    return subprocess.run([sys.executable, "-m", "bandit", "-c", "pyproject.toml", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_bandit_finds_nothing_unexplained():
    done = _bandit("-r", "trainer", "-f", "json", "-q")
    report = json.loads(done.stdout)
    assert not report["errors"], report["errors"]
    found = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert not found, "fix these, or accept each with '# nosec BXXX  # why':\n" + "\n".join(found)
    assert report["metrics"]["_totals"]["loc"] > 10000  # the package was really scanned


def test_every_accepted_finding_says_which_test_and_why():
    lines = [(path, number, line) for path in sorted((ROOT / "trainer").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if "nosec" in line]
    unexplained = [f"{path.relative_to(ROOT)}:{number}" for path, number, line in lines if not EXPLAINED.search(line)]
    assert not unexplained, unexplained
    assert lines  # the accepted findings are there to read


def test_bandit_still_reports_what_it_should(tmp_path):
    """The configuration skips no test: an unexplained weakness in a scanned file is reported."""
    sample = tmp_path / "weak.py"
    sample.write_text('import random\nimport subprocess\ntoken = random.random()\nsubprocess.call("ls", shell=True)\n')
    report = json.loads(_bandit("-f", "json", "-q", str(sample)).stdout)
    assert {r["test_id"] for r in report["results"]} >= {"B311", "B602"}


def _audit(service):
    done = subprocess.run([sys.executable, "-m", "pip_audit", "-s", service, "-f", "json", "--progress-spinner",
                           "off", "--timeout", "15"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if not done.stdout.strip():
        return None, (done.stderr.strip().splitlines() or ["no output"])[-1]
    return json.loads(done.stdout), None


def test_dependencies_have_no_known_vulnerabilities():
    """Audited against PyPI's advisories, else OSV; skipped, never passed, when neither answers for our packages."""
    problems = []
    for service in ("pypi", "osv"):
        report, error = _audit(service)
        if report is None:
            problems.append(f"{service}: {error}")
            continue
        skipped = [d for d in report["dependencies"] if "skip_reason" in d and d["name"] != "trainer"]
        if skipped:
            problems.append(f"{service}: {len(skipped)} of {len(report['dependencies'])} packages not audited "
                            f"({skipped[0]['skip_reason']})")
            continue
        vulnerable = [f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or 'nothing yet'})"
                      for d in report["dependencies"] for v in d.get("vulns", []) if v["id"] not in ACCEPTED_ADVISORIES]
        assert not vulnerable, "\n".join(vulnerable)
        return
    pytest.skip("the dependency audit cannot reach its advisory data: " + "; ".join(problems))
