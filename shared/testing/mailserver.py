"""A real SMTP server (aiosmtpd) for tests, in its own process so that its asyncio loop
never meets the eventlet hub of the test run; messages land in a Maildir."""
import mailbox
import socket
import subprocess
import sys
import time


class MailServer:
    def __init__(self, maildir, port):
        self.maildir = maildir
        self.port = port
        self.process = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("the test mail server did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def messages(self, to=None):
        box = mailbox.Maildir(str(self.maildir), create=True)
        found = [box[key] for key in box.keys()]
        return [m for m in found if to is None or to in (m["To"] or "")]

    @staticmethod
    def text(message):
        return message.get_payload(decode=True).decode("utf-8", "replace")
