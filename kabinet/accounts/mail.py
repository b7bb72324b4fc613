"""A mail backend for the demo: every message becomes its own `.eml` file.

Django's file backend appends all messages of a connection to one `.log` file; an
`.eml` per message opens directly in a mail client (double-click in Thunderbird,
Outlook, Apple Mail). Files are named `<timestamp>-<random id>.eml` and written
with CRLF line endings, as RFC 5322 wants; bodies are 8-bit rather than base64, so
`less var/mail/*.eml` shows the text and its links as they are.
"""

import email.policy
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

# Body lines up to RFC 5322's 998 octets: Russian paragraphs stay readable 8-bit text.
EML_POLICY = email.policy.SMTP.clone(max_line_length=998)


class EmlFileBackend(FileEmailBackend):
    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        sent = 0
        with self._lock:
            for message in email_messages:
                try:
                    path = self._write(message)
                except Exception:
                    if not self._fail_silently:
                        raise
                    continue
                # Lets the caller say where the message went (the demo shows it to the user).
                message.kabinet_saved_to = str(path)
                sent += 1
        return sent

    def _write(self, message) -> Path:
        # Bodies are encoded under the long-line policy; headers are folded as usual.
        data = message.message(policy=EML_POLICY).as_bytes(policy=email.policy.SMTP)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        directory = Path(self.file_path)
        while True:
            path = directory / f"{stamp}-{secrets.token_hex(4)}.eml"
            try:
                # "x": never overwrite; the random id makes a clash practically impossible.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            return path
