"""Sending email over SMTP (`WARDLINE_SMTP_URL`, e.g. smtp://127.0.0.1:1025 or
smtps://user:pass@mail.example.org:465). Under eventlet smtplib's sockets are green, so a
slow mail server holds up no other worker."""
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit


class MailNotSent(Exception):
    """The mail server was unreachable or refused the message; try again later."""


class SmtpMailer:
    def __init__(self, url, sender, timeout=10):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"WARDLINE_SMTP_URL must start smtp:// or smtps://, not {url!r}")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.tls = parts.scheme == "smtps"
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    def send(self, to, subject, body):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        connect = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
        try:
            with connect(self.host, self.port, timeout=self.timeout) as server:
                if self.username:
                    server.login(self.username, self.password)
                server.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailNotSent(f"{type(exc).__name__}: {exc}"[:500]) from None
