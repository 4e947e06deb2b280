#!/usr/bin/env python3
"""Validates the k6-operator example (examples/k8s/testrun.yaml) against the TestRun CRD schema
kept in examples/k8s/schema/ (origin and commit: examples/k8s/NOTICE.md), as `kubectl apply
--validate=strict` would: unknown fields are errors, like wrong types and missing required
fields. Also checks that deliberately broken copies fail, so the check itself can fail.

  scripts/check-k8s-manifests.py        (needs jsonschema and PyYAML: scripts/requirements-scale.txt)

Last line: "k8s manifests: N passed, N failed".
"""
import copy
import json
import pathlib
import sys

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "examples/k8s/schema/k6.io_testruns.v1alpha1.schema.json"
MANIFESTS = [ROOT / "examples/k8s/testrun.yaml"]


def strict(schema):
    """Kubernetes prunes or (strict validation) refuses fields a structural schema does not
    name: the JSON Schema equivalent is additionalProperties: false wherever properties are
    listed and nothing else is allowed."""
    if isinstance(schema, dict):
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        for v in schema.values():
            strict(v)
    elif isinstance(schema, list):
        for v in schema:
            strict(v)
    return schema


def errors(validator, doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.path))


def main():
    schema = json.loads(SCHEMA.read_text())
    schema.pop("$comment", None)
    # metadata is Kubernetes' ObjectMeta, which the CRD leaves open; keep it open.
    top = strict(copy.deepcopy(schema))
    top["properties"]["metadata"] = {"type": "object"}
    validator = jsonschema.Draft7Validator(top)
    passed = failed = 0

    def result(name, ok, detail=""):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {name} {detail}")

    for path in MANIFESTS:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        for doc in docs:
            if doc.get("kind") != "TestRun":
                continue
            errs = errors(validator, doc)
            detail = "; ".join(f"{'.'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errs[:5])
            result(f"{path.relative_to(ROOT)} ({doc['metadata']['name']})", not errs, detail)
            ok_shape = doc["spec"].get("parallelism") == 4 and "configMap" in doc["spec"]["script"]
            result("example: parallelism 4, script from a ConfigMap", ok_shape)
            # The check must be able to fail: a typo, a wrong type, a missing required field.
            broken = {
                "unknown field spec.parallelizm": lambda d: d["spec"].__setitem__("parallelizm", 4),
                "parallelism as a string": lambda d: d["spec"].__setitem__("parallelism", "4"),
                "no spec.script": lambda d: d["spec"].pop("script"),
                "unknown field in runner": lambda d: d["spec"]["runner"].__setitem__("imagee", "x"),
            }
            for name, damage in broken.items():
                bad = copy.deepcopy(doc)
                damage(bad)
                result(f"refused: {name}", bool(errors(validator, bad)))
    print(f"k8s manifests: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
