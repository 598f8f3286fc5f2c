"""Intake: news submissions from every source (form, CLI, e-mail) into the queue.

Public entry points (called through the service by the CLI, the web form and the e-mail
intake):

- ``newsletter.intake.news.submit_news(session, settings, *, title, body, body_format,
  organisation_id, organisation_name, sender, category, source, language, attachments,
  image, note, status, ...) -> NewsItem``
- ``newsletter.intake.mail``: incoming e-mail (MTA pipe or IMAP) parsed, trimmed and
  turned into news items or bounce reports.

What an item may become afterwards is the news status machine
(``newsletter.editorial.news_status.transition_news``); bodies are made safe by
``newsletter.text.to_safe_html``. Queries of intake live in its modules and in
``newsletter.store.intake``.
"""
