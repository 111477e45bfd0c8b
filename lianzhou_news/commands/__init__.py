"""Project commands (COMMANDS_MODULE): ``crawl`` with exit statuses that tell health."""
