"""Record and replay: cassettes of real Personalize traffic, scrubbed of secrets."""
