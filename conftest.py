"""Loaded by pytest before any test directory's conftest.

The gateway's project sits at the top level (``gateway/``), so pytest's importlib
mode names its tests ``gateway.tests.*`` and would import the folder ``gateway/``
as a namespace package in place of the installed ``gateway`` package. Importing
the package first makes ``gateway`` the real one and ``gateway.tests`` a
sub-namespace of no consequence.
"""

import gateway  # noqa: F401
