"""Personal data (Law 91/2025/QH15): notices, consent, retention and purge, data-subject requests."""
