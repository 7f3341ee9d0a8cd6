"""The voice-call plugin: answer and place phone calls through Twilio, Telnyx or Plivo.

The `Plugin` object the host loads is `plugins.voice_call.plugin:plugin`; this package stays
empty so that its CLI commands load without the speech and call stack.
"""
