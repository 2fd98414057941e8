"""Release tools: the difference between two builds (for CHANGELOG.md) and the checks a release must pass."""
