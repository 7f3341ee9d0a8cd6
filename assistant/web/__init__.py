"""The web page served by the gateway: chat with the assistant, the plugins' views, a login token."""
