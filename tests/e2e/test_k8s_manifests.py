"""The k6-operator example (examples/k8s/testrun.yaml) validates against the TestRun CRD schema kept
in examples/k8s/schema/ (origin and commit: examples/k8s/NOTICE.md), as `kubectl apply
--validate=strict` would: unknown fields are errors, like wrong types and missing required
fields; deliberately broken copies fail, so the check itself can fail (docs/SCALE.md)."""
import copy
import json

import jsonschema
import pytest
import yaml

from harness import REPO

SCHEMA = REPO / "examples/k8s/schema/k6.io_testruns.v1alpha1.schema.json"
MANIFEST = REPO / "examples/k8s/testrun.yaml"


def strict(schema):
    """Kubernetes prunes or (strict validation) refuses fields a structural schema does not name:
    the JSON Schema equivalent is additionalProperties: false wherever properties are listed and
    nothing else is allowed."""
    if isinstance(schema, dict):
        if "properties" in schema and "additionalProperties" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
        for v in schema.values():
            strict(v)
    elif isinstance(schema, list):
        for v in schema:
            strict(v)
    return schema


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text())
    schema.pop("$comment", None)
    top = strict(copy.deepcopy(schema))
    # metadata is Kubernetes' ObjectMeta, which the CRD leaves open; keep it open.
    top["properties"]["metadata"] = {"type": "object"}
    return jsonschema.Draft7Validator(top)


@pytest.fixture(scope="module")
def testrun():
    docs = [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d and d.get("kind") == "TestRun"]
    assert len(docs) == 1, f"{MANIFEST}: {len(docs)} TestRun documents"
    return docs[0]


def errors(validator, doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.path))


def test_k8s_testrun_valid(validator, testrun):
    errs = errors(validator, testrun)
    assert not errs, "; ".join(f"{'.'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errs[:5])


def test_k8s_testrun_shape(testrun):
    """The example runs 4 parallel runners with the script from a ConfigMap."""
    assert testrun["spec"].get("parallelism") == 4, testrun["spec"]
    assert "configMap" in testrun["spec"]["script"], testrun["spec"]["script"]


BROKEN = {
    "unknown_field_parallelizm": lambda d: d["spec"].__setitem__("parallelizm", 4),
    "parallelism_as_string": lambda d: d["spec"].__setitem__("parallelism", "4"),
    "no_script": lambda d: d["spec"].pop("script"),
    "unknown_field_in_runner": lambda d: d["spec"]["runner"].__setitem__("imagee", "x"),
}


@pytest.mark.parametrize("damage", BROKEN)
def test_k8s_broken_testrun_refused(damage, validator, testrun):
    bad = copy.deepcopy(testrun)
    BROKEN[damage](bad)
    assert errors(validator, bad), f"a TestRun with {damage} validates"
