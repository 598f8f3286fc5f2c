"""Audience: member organisations, subscribers, CSV import, segments, consent."""
