"""The stubber mode: queued answers checked against the service model."""
