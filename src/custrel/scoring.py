"""Good versus bad customers (issue 3): not yet built."""
