"""The test suite (a package, so that mypy checks it with the code)."""
