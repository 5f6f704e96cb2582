"""Waiting for something to become true, in tests that watch real processes."""
import time


def wait_for(check, timeout=30, interval=0.1):
    """`check()`'s first truthy result, or None when `timeout` seconds pass without one.
    The timeout is a safety net, not a measured speed: make it generous."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result or None
        time.sleep(interval)
