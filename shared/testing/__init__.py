"""Test support shipped with the product: infrastructure fixtures' building blocks, the
process harness for end-to-end tests, and an in-memory unit of work for unit tests."""
