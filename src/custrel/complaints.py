"""The complaint-handling workflow (issue 4): not yet built."""
