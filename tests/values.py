"""Values the tests and benches share. No pytest here: the benches import it after a plain install."""

# Values shaped like real credentials, all distinct so a leak of one cannot hide inside another.
TWILIO_SID = "AC11112222333344445555666677778888"
TWILIO_TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
TELNYX_KEY = "KEY0192AB34CD56EF78_SecretPartXyz123"
TELNYX_PUBLIC_KEY = "dGhpcyBpcyBhIDMyIGJ5dGUgcHVibGljIGtleSEhISE="  # 32 bytes
PLIVO_ID = "MAZDM1ZTHHNGEYYTVLYW"
PLIVO_TOKEN = "ZmQ4YTc1NjJkYjQyYjI0OTdkZjU1ZTk2M2ExNjdk"
OWNER = "+15550001234"
FRIEND = "+15559876543"
