"""Ships the top-level `rules/` folder inside the package as `service.defaults.rules`.

The project's metadata is in pyproject.toml; only this mapping needs code, because
pyproject.toml cannot both discover packages and add one from another folder. The same
mapping serves wheels (the files are copied) and editable installs (the files stay here).
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["service", "service.*"]), "service.defaults.rules"],
    package_dir={"service.defaults.rules": "rules"},
)
