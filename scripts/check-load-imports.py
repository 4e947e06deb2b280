#!/usr/bin/env python3
"""The shipped scenarios (load/**/*.js) reach the library only through js/ves.js (docs/JS.md):
every import specifier that resolves into js/ must be js/ves.js. Prints one line per offending
import and exits 1; exits 0 when there is none.

    scripts/check-load-imports.py [LOAD_DIR [JS_DIR]]    (default: load js)
"""
import os
import re
import sys

# `from '...'`, `import '...'` and `import('...')`: every way an ES module names another.
SPECIFIER = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\1""")


def offenders(load_dir, js_dir):
    js_dir = os.path.realpath(js_dir)
    entry = os.path.join(js_dir, "ves.js")
    found = []
    for root, _, files in os.walk(load_dir):
        for name in sorted(files):
            if not name.endswith(".js"):
                continue
            path = os.path.join(root, name)
            text = open(path, encoding="utf-8").read()
            for m in SPECIFIER.finditer(text):
                spec = m.group(2)
                if not spec.startswith("."):
                    continue  # k6/..., https://...: not the library
                target = os.path.realpath(os.path.join(os.path.dirname(path), spec))
                if os.path.commonpath([target, js_dir]) == js_dir and target != entry:
                    line = text.count("\n", 0, m.start()) + 1
                    found.append(f"{path}:{line}: imports {spec}; load/ scripts import only ../js/ves.js")
    return found


def main():
    load_dir = sys.argv[1] if len(sys.argv) > 1 else "load"
    js_dir = sys.argv[2] if len(sys.argv) > 2 else "js"
    found = offenders(load_dir, js_dir)
    for f in found:
        print(f)
    if not found:
        print(f"{load_dir}: every import of the library is js/ves.js")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
