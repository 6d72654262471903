"""The benchmarks of pytest-personalize: ``run.py`` is the entry point, ``harness.py`` the shared
set-up and the measuring method, ``rows/`` one module per family of rows (see README.md)."""
