"""Tunnels the gateway runs so carriers can reach it from the internet."""
