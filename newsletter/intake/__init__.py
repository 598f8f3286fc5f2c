"""Intake: news submissions from every source, sanitising, and the moderation queue.

Public entry points (called by the CLI, the web form and the e-mail intake):

- ``newsletter.intake.news.submit_news(session, settings, *, title, body, body_format,
  organisation_id, organisation_name, sender, category, source, language, attachments,
  image, note, status, ...) -> NewsItem``
- ``newsletter.intake.news.transition_news(item, to, *, actor, reason)``: the one place
  where a news item's status changes (audit trail in ``news_events``).
- ``newsletter.intake.sanitize.to_safe_html(source, body_format) -> str``
"""
