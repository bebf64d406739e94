"""Retention and churn economics (issue 5): not yet built."""
