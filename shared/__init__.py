"""Wardline's own common package: event contracts and the plumbing every service shares."""
