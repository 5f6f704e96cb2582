"""Wardline's services: one package each, the same skeleton in every one."""
