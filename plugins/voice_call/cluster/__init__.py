"""Several gateways on one store: each is a node, seen alive by its heartbeat."""
