"""No personal data in the application's logs: every line the platform writes (messages,
arguments, tracebacks, the development server's request lines with their query strings) goes
through :class:`MaskingFormatter`, which masks anything shaped like a resident ID number or a
mobile phone number the way pages show them (``pii.mask``)."""

from __future__ import annotations

import logging
import re

from gongzhi.core.pii import mask

# An 18-character ID (GB 11643) or an 11-digit mainland mobile number, not inside a longer run of
# digits (case numbers, timestamps and hashes are longer and stay as they are).
_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_text(text: str) -> str:
    text = _ID.sub(lambda m: mask("id_number", m.group()), text)
    return _PHONE.sub(lambda m: mask("phone", m.group()), text)


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))
