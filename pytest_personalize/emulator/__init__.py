"""What the service does: a stateful Personalize, in process (the fake) and over loopback HTTP (the server)."""
