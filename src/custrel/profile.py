"""Customer-information profiles (issue 5): not yet built."""
