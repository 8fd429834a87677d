"""The default ruleset, shipped inside the package as `service.defaults.rules` (see setup.py).

This folder holds data (YAML), not code: the file only makes the folder a package, so the
installed package and an editable install find the same files through importlib.resources.
"""
