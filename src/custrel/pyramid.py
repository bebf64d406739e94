"""The customer pyramid and tier policies (issue 3): not yet built."""
