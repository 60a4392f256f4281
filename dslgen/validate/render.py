"""Render validation reports as text (people), JSON (tools) or JUnit XML (CI systems)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from dslgen.records import Report


def render_text(reports: list[Report]) -> str:
    lines = []
    for report in reports:
        verdict = "valid" if report.valid else "INVALID"
        lines.append(f"{report.file}: {verdict}")
        lines.extend(f"  {report.file}:{e.line}: {e.render()}" for e in report.errors)
    valid = sum(r.valid for r in reports)
    lines.append(f"{valid} of {len(reports)} file(s) valid")
    return "\n".join(lines)


def render_json(reports: list[Report]) -> str:
    """One object for one file, a list for several (the documented `validate --format json`)."""
    data = [r.to_json() for r in reports]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2)


def render_junit(reports: list[Report]) -> str:
    """A JUnit XML test suite: one test case per file, one failure listing its errors."""
    failures = sum(not r.valid for r in reports)
    suite = ET.Element(
        "testsuite",
        name="dslgen.validate",
        tests=str(len(reports)),
        failures=str(failures),
        errors="0",
    )
    for report in reports:
        case = ET.SubElement(suite, "testcase", classname="dslgen.validate", name=str(report.file))
        if not report.valid:
            first = report.errors[0] if report.errors else None
            failure = ET.SubElement(
                case,
                "failure",
                message=first.render() if first else "invalid",
                type=first.cls if first else "invalid",
            )
            failure.text = "\n".join(f"{report.file}:{e.line}: {e.render()}" for e in report.errors)
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit}
