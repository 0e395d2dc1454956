"""Daily health data: Google Fit / Google Health API sync and file imports into `activity`."""
