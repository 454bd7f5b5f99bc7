"""Grading checks: each a pure function (bundle, context, spec) -> CheckResult."""
