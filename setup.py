"""Package discovery only; all metadata is in pyproject.toml.

codemods/ sits at the top level (libcst's convention) but ships as ``bridge.codemods`` so it
cannot clash with another distribution's ``codemods`` package.
"""

from setuptools import find_packages, setup

bridge_packages = find_packages(include=["bridge", "bridge.*"])
codemod_packages = ["bridge.codemods"] + [
    f"bridge.codemods.{name}" for name in find_packages(where="codemods")
]
setup(
    packages=bridge_packages + codemod_packages,
    package_dir={"bridge.codemods": "codemods"},
)
