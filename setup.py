"""The package's folders for setuptools (everything else is in pyproject.toml).

The built-in form specs and the sample month live at the top of the repository (`form_specs/`,
`samples/`), where a council's QA officer finds them; the wheel ships them inside the package as
`auditdocs/form_specs` and `auditdocs/samples`, which is where `auditdocs.builtin` finds them once installed.
"""
from setuptools import find_packages, setup

DATA = {"auditdocs.form_specs": "form_specs", "auditdocs.form_specs.archive": "form_specs/archive",
        "auditdocs.samples": "samples"}

setup(packages=find_packages("src") + list(DATA), package_dir={"": "src", **DATA})
