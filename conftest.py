"""Loaded by pytest before any test directory's conftest.

The gateway's project sits at the top level (``gateway/``), so pytest's importlib
mode names its tests ``gateway.tests.*`` and would import the folder ``gateway/``
as a namespace package in place of the installed ``gateway`` package. Importing
the package first makes ``gateway`` the real one and ``gateway.tests`` a
sub-namespace of no consequence.
"""

import gateway  # noqa: F401

# Figures a test reports with record_property("ecoreg_figure", line) (the matching
# evaluation's precision and recall) are printed at the end of the run, xdist or not:
# xdist sends each report's user_properties back to the controlling process.
_FIGURES: list[str] = []


def pytest_runtest_logreport(report):
    if report.when == "call":
        _FIGURES.extend(value for name, value in report.user_properties if name == "ecoreg_figure")


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("ecoreg figures")
        for line in sorted(set(_FIGURES)):
            terminalreporter.write_line(line)
