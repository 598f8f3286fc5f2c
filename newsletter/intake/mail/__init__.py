"""Incoming e-mail: partner submissions and the bounces of our sends.

parse (MIME to item parts), charset, headers, html (Outlook clean-up), trim (quotes and
signatures), attachments (policy), automatic (RFC 3834), source (raw bytes, size-capped),
imap (the mailbox), pipeline (one message to one recorded outcome), acknowledge.
"""
