"""Sending email over SMTP (`WARDLINE_SMTP_URL`, e.g. smtp://127.0.0.1:1025 or
smtps://user:pass@mail.example.org:465). Under eventlet smtplib's sockets are green, so a
slow mail server holds up no other worker.

smtps:// verifies the server's certificate and name; smtp:// upgrades with STARTTLS
(verified the same way) and refuses a server that cannot, unless `insecure`
(WARDLINE_SMTP_INSECURE=1: a local test server)."""
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit


class MailNotSent(Exception):
    """The mail server was unreachable or refused the message; try again later."""


class MailCannotBeBuilt(ValueError):
    """This one message can never be sent (a header holding a line break, say): trying
    again will not help, and it must not hold up the messages behind it."""


class SmtpMailer:
    def __init__(self, url, sender, timeout=10, insecure=False, context=None):
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
        self.insecure = insecure
        self.context = context or ssl.create_default_context()

    def build(self, to, subject, body):
        """The message, or MailCannotBeBuilt saying why not."""
        try:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = self.sender, to, subject
            message.set_content(body)
            message.as_bytes()  # anything that would fail at sending time fails here
        except (ValueError, TypeError, LookupError) as exc:
            raise MailCannotBeBuilt(f"{type(exc).__name__}: {exc}"[:500]) from None
        return message

    def send(self, to, subject, body):
        message = self.build(to, subject, body)
        try:
            if self.tls:
                server = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                          context=self.context)
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with server:
                if not self.tls and not self.insecure:
                    server.ehlo()
                    if not server.has_extn("starttls"):
                        raise MailNotSent(f"{self.host}:{self.port} does not offer STARTTLS: "
                                          "use smtps://, or WARDLINE_SMTP_INSECURE=1 for a "
                                          "local test server")
                    server.starttls(context=self.context)
                    server.ehlo()
                if self.username:
                    server.login(self.username, self.password)
                server.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailNotSent(f"{type(exc).__name__}: {exc}"[:500]) from None
