"""Registered modules; importing this package registers them."""
