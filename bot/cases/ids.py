"""Case numbers and PINs: making them, reading them back from what people type, hashing PINs.

Belongs here: the pure rules for the two secrets a person keeps (the case number and its PIN),
with the standard library only. Does not belong here: storage, lockout after wrong guesses
(``store.py``), and any wording shown to people (the engine and the catalogs).

Case numbers carry 60 random bits as 12 Crockford base32 symbols plus one check symbol computed
with Luhn mod N (N = 32) over the same alphabet, shown as ``XXXX-XXXX-XXXX-X``. Crockford's
alphabet leaves out I, L, O and U, so the look-alikes people type by mistake (O for 0, I or L for
1) are read as what they must have meant. The check symbol catches every single mistyped symbol
and every swap of two neighbouring symbols except the one pair ``0``/``Z``, which Luhn mod 32
cannot tell apart (the tests measure this exhaustively).

PINs are six digits and are stored only as ``scrypt(HMAC-SHA256(pepper, PIN), salt)``: the pepper
is a server secret kept outside the database, so a leaked database alone cannot be used to try
all one million PINs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Final, Literal

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32 symbols, in value order."""
CASE_NUMBER_BITS: Final = 60
DATA_SYMBOLS: Final = CASE_NUMBER_BITS // 5
"""Symbols carrying the random value; one check symbol follows them."""
CASE_NUMBER_SYMBOLS: Final = DATA_SYMBOLS + 1

PIN_LENGTH: Final = 6
PIN_SALT_BYTES: Final = 16
PIN_HASH_BYTES: Final = 32
SCRYPT_N: Final = 2**14
"""Production scrypt cost (CPU/memory factor). Tests pass a smaller ``n`` explicitly."""
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1

CaseNumberProblem = Literal["length", "characters", "check"]
"""What is wrong with a typed case number: too few or too many symbols, a symbol that is not
in the alphabet, or a check symbol that does not match (a typo)."""

_BASE: Final = len(ALPHABET)
_VALUE: Final = {symbol: index for index, symbol in enumerate(ALPHABET)}
# Symbols people type for the ones in the alphabet (Crockford's decoding rules).
_ALIASES: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Separators people (or their phone keyboards) put between groups; all are ignored.
_SEPARATORS: Final = frozenset("-.\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_GROUPS: Final = (4, 4, 4, 1)


def case_number_from_int(value: int) -> str:
    """Encode a 60-bit value as a formatted case number with its check symbol.

    Args:
        value: an integer in ``[0, 2**60)``.

    Returns:
        The canonical form, for example ``"0000-0000-0001-Y"``.

    Raises:
        ValueError: if ``value`` is out of range.
    """
    if not 0 <= value < 1 << CASE_NUMBER_BITS:
        raise ValueError("case number value out of range")
    digits = [(value >> (5 * shift)) & 31 for shift in reversed(range(DATA_SYMBOLS))]
    digits.append(_check_value(digits))
    return _format("".join(ALPHABET[digit] for digit in digits))


def new_case_number() -> str:
    """Return a fresh, unguessable case number in canonical form."""
    return case_number_from_int(secrets.randbits(CASE_NUMBER_BITS))


def case_number_problem(text: str) -> CaseNumberProblem | None:
    """Say what is wrong with a typed case number, or None if it is valid.

    Args:
        text: what the person typed; case, spaces, dashes, dots and look-alike letters are
            forgiven as in :func:`parse_case_number`.

    Returns:
        ``"characters"`` if a symbol is not allowed (U, punctuation, ...), ``"length"`` if there
        are not exactly 13 symbols, ``"check"`` if the check symbol does not match, else None.
    """
    symbols = _normalise(text)
    if any(symbol not in _VALUE for symbol in symbols):
        return "characters"
    if len(symbols) != CASE_NUMBER_SYMBOLS:
        return "length"
    values = [_VALUE[symbol] for symbol in symbols]
    if _check_value(values[:-1]) != values[-1]:
        return "check"
    return None


def parse_case_number(text: str) -> str | None:
    """Read a typed case number.

    Args:
        text: what the person typed. Spaces, dashes and dots are ignored, letters may be lower
            case, O is read as 0 and I or L as 1; full-width forms are accepted.

    Returns:
        The canonical form ``XXXX-XXXX-XXXX-X`` if the text is a valid case number, else None.
    """
    if case_number_problem(text) is not None:
        return None
    return _format(_normalise(text))


def new_pin() -> str:
    """Return a fresh six-digit PIN."""
    return f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"


def parse_pin(text: str) -> str | None:
    """Read a typed PIN.

    Args:
        text: what the person typed; spaces and dashes are ignored and digits of any script
            (for example Arabic-Indic or full-width digits) are accepted.

    Returns:
        The six ASCII digits, or None if the text is not exactly six digits.
    """
    digits: list[str] = []
    for char in text:
        if char.isspace() or char in _SEPARATORS or unicodedata.category(char) == "Cf":
            continue
        value = unicodedata.decimal(char, None)
        if value is None:
            return None
        digits.append(str(value))
    if len(digits) != PIN_LENGTH:
        return None
    return "".join(digits)


_PIN_LIKE: Final = re.compile(
    rf"(?<![^\W_])\d(?:[ \-.\u2010-\u2015\u2212]?\d){{{PIN_LENGTH - 1}}}(?![^\W_])"
)


# Words people (and the bot's own message) put around a number and PIN typed together.
_LABELS: Final = re.compile(r"(?i)\b(?:case|number|no|nr|pin)\b|[:#]")


def may_hold_pin(text: str) -> bool:
    """Whether a message may hold a PIN, so that it is deleted from the chat wherever it came.

    True when the text has a group of exactly six digits (any script, spaces or dashes
    allowed between them) that does not touch other letters or digits: ``123456``,
    ``ABCD-EFGH-JKMN-P 123 456``, ``PIN: 123-456``. A hash (long runs of hex) does not match.
    """
    return _PIN_LIKE.search(text) is not None


def read_number_and_pin(text: str) -> tuple[str, str] | None:
    """Read a case number and its PIN typed together in one message.

    Args:
        text: for example ``ABCD-EFGH-JKMN-P 123456``, the two on separate lines, or with
            labels (``Case number: ... PIN: ...``) as the bot showed them.

    Returns:
        ``(canonical number, PIN)``, or None unless the text holds exactly one of each.
    """
    for match in _PIN_LIKE.finditer(text):
        pin = parse_pin(match.group())
        rest = text[: match.start()] + " " + text[match.end() :]
        number = parse_case_number(_LABELS.sub(" ", rest))
        if pin is not None and number is not None:
            return number, pin
    return None


def credentials_from_token(token: str, key: bytes) -> tuple[str, str]:
    """The case number and PIN a case opened with ``token`` gets, the same every time.

    Deriving both from a keyed hash of the token lets a repeated request (after a crash) give
    back the very credentials the first one made, without the PIN ever being stored in clear.

    Args:
        token: the random token that names one request to open a case.
        key: a server secret (never stored with the cases).

    Returns:
        ``(case number, PIN)`` in canonical form.
    """
    if not token or not key:
        raise ValueError("token and key must not be empty")
    digest = hmac.new(key, b"open-case/" + token.encode(), hashlib.sha512).digest()
    number = int.from_bytes(digest[:8]) >> (64 - CASE_NUMBER_BITS)
    pin = int.from_bytes(digest[8:16]) % 10**PIN_LENGTH  # bias below one in 10**13
    return case_number_from_int(number), f"{pin:0{PIN_LENGTH}d}"


def new_salt() -> bytes:
    """Return a fresh random salt for :func:`hash_pin`."""
    return secrets.token_bytes(PIN_SALT_BYTES)


def check_scrypt_n(n: int) -> None:
    """Reject an scrypt cost that is not a power of two of at least 2.

    Raises:
        ValueError: if ``n`` is not usable.
    """
    if n < 2 or n & (n - 1):
        raise ValueError("scrypt cost n must be a power of two, at least 2")


def hash_pin(pin: str, salt: bytes, pepper: bytes, *, n: int = SCRYPT_N) -> bytes:
    """Hash a PIN slowly, keyed with the server pepper.

    The result is ``scrypt(HMAC-SHA256(pepper, pin), salt, n, r=8, p=1, dklen=32)``.

    Args:
        pin: six ASCII digits, as returned by :func:`new_pin` or :func:`parse_pin`.
        salt: per-case random salt (:func:`new_salt`).
        pepper: server secret, never stored next to the hashes.
        n: scrypt cost; only tests should lower it.

    Returns:
        32 bytes.

    Raises:
        ValueError: if the PIN is not in canonical form, the pepper is empty or ``n`` is invalid.
    """
    if len(pin) != PIN_LENGTH or not (pin.isascii() and pin.isdigit()):
        raise ValueError("PIN must be six ASCII digits")
    if not pepper:
        raise ValueError("pepper must not be empty")
    check_scrypt_n(n)
    keyed = hmac.new(pepper, pin.encode("ascii"), hashlib.sha256).digest()
    return hashlib.scrypt(
        keyed,
        salt=salt,
        n=n,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=PIN_HASH_BYTES,
        # OpenSSL needs 128*r*(n+p+2) bytes; its default limit (32 MiB) is too low above 2**14.
        maxmem=128 * SCRYPT_R * (n + SCRYPT_P + 2) + (1 << 20),
    )


def verify_pin(pin: str, salt: bytes, pepper: bytes, expected: bytes, *, n: int = SCRYPT_N) -> bool:
    """Check a PIN against a stored hash in constant time.

    Args:
        pin: six ASCII digits; anything else is simply wrong.
        salt: the salt stored with the hash.
        pepper: the server secret the hash was made with.
        expected: the stored hash.
        n: the scrypt cost the hash was made with.

    Returns:
        True if the PIN matches.
    """
    if parse_pin(pin) != pin:
        return False
    return hmac.compare_digest(hash_pin(pin, salt, pepper, n=n), expected)


def _check_value(values: list[int]) -> int:
    """Luhn mod N check value for data symbol values (most significant first)."""
    total = 0
    factor = 2  # the symbol next to the check symbol is doubled, then every other one
    for value in reversed(values):
        addend = factor * value
        total += addend // _BASE + addend % _BASE
        factor = 3 - factor
    return -total % _BASE


def _normalise(text: str) -> str:
    """Fold what people type into alphabet symbols, without judging validity."""
    folded = unicodedata.normalize("NFKC", text).upper().translate(_ALIASES)
    # Format characters (direction isolates and marks a right-to-left message put around the
    # number, zero-width spaces) come along when the number is copied: they are not typed.
    return "".join(
        c
        for c in folded
        if not (c.isspace() or c in _SEPARATORS or unicodedata.category(c) == "Cf")
    )


def _format(symbols: str) -> str:
    parts: list[str] = []
    start = 0
    for size in _GROUPS:
        parts.append(symbols[start : start + size])
        start += size
    return "-".join(parts)
