"""The batch engine behind custrel report (issue 6): not yet built."""
