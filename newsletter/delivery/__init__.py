"""Delivery: the outbox and everything that gets finished messages to a mail server.

- ``transport``  the seam: ``async send(message, sender, recipients) -> results``
- ``smtp``       pool of persistent connections (set up by aiosmtplib: TLS, STARTTLS,
                 AUTH), transactions pipelined (RFC 2920) when the server offers it
- ``maildir``    Maildir transport; ``catcher`` the embedded SMTP mail catcher
- ``snapshots``  a send's rows, written once in bulk; the variants its readers need
- ``outbox``     claims (SKIP LOCKED / single writer), results, recovery
- ``worker``     claims → lanes → transport → recorded results; crash bound
- ``throttle``   token bucket and hourly/daily caps; ``retry`` backoff policy
- ``messages``   per-recipient bytes from prepared variants; ``template`` a bytes one
- ``verp``       envelope senders that name the delivery; ``dkim`` signing
- ``identity``   deterministic, signed Message-IDs
- ``event_loop`` the loop the sender runs on (uvloop when installed)
- ``bounces``    a bounce (read by ``intake.mail.bounces``) matched to the delivery it
                 proves it is about (VERP token or signed Message-ID, and its address)
"""
