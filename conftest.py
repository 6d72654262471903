"""The project's own test configuration; the plugin itself is loaded through its entry point."""
