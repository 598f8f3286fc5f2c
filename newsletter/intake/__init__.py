"""Intake: news submissions (command line, web form, e-mail), sanitising, moderation."""
