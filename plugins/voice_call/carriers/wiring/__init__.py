"""Pointing the carrier's number at the gateway ("connect my number"), and reading it back: one
module per carrier; `carriers.number_wiring` builds the configured one."""
