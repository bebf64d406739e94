"""Acquisition: prospecting methods and plans (issue 5): not yet built."""
