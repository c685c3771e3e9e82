"""Running the service: settings, its data folder, logs and metrics, workers, backups,
upkeep and the health check."""
