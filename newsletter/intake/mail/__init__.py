"""Incoming e-mail: partner submissions and the bounces of our sends.

- ``source``       raw messages from files or a pipe, never more than INTAKE_MAX_MESSAGE
- ``imap``         the submissions mailbox: list, fetch, move to Processed / Quarantine
- ``pipeline``     one message to one recorded outcome: item, quarantine, bounce, ignored
- ``parse``        the MIME tree to the parts of a news item
- ``charset``      bytes to text whatever the declared (or missing) charset
- ``headers``      RFC 2047 values, one-line titles, addresses, Message-IDs
- ``html``         Outlook clean-up, quote and signature trimming, allow-list
- ``trim``         plain-text forwards, quoted replies and signatures
- ``attachments``  what may be attached (images, PDFs) and what is refused
- ``automatic``    RFC 3834: auto-replies, lists, mail systems; who may be answered
- ``language``     French or Dutch, from the text
- ``acknowledge``  the optional acknowledgement to a known partner
- ``bounces``      bounce reports in any format: failed addresses, status codes
- ``bounce_codes`` what a failure means: hard, soft, not the address's fault

Matching a bounce to one of our deliveries is the delivery stage's
(``newsletter.delivery.bounces``), given to the pipeline by the service layer.
"""
