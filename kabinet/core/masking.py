"""Masking personal data shown to people who may not be its subject.

Several users may hold one account (family members), and a screen may be seen over a
shoulder: the account card shows the holder's surname and first name, and only the
ending of the patronymic, as the reference manual does ("Муравьев Сергей *****вич").
"""

MASK = "*****"  # fixed width: the mask does not tell how long the hidden part is
KEPT_ENDING = 3  # letters of the patronymic left visible: "вич", "вна", "улы", "кызы" → "ызы"


def mask_person_name(full_name: str) -> str:
    """ "Муравьев Сергей Петрович" → "Муравьев Сергей *****вич".

    The first two words (surname, first name) are shown; everything after them (the
    patronymic, also a two-word one such as "Рашид улы") is masked except the last
    three letters. A patronymic of three letters or fewer is masked entirely. Names of
    one or two words are returned as they are, with whitespace normalised.
    """
    words = (full_name or "").split()
    if len(words) <= 2:
        return " ".join(words)
    shown, hidden = words[:2], "".join(words[2:])
    ending = hidden[-KEPT_ENDING:] if len(hidden) > KEPT_ENDING else ""
    return " ".join([*shown, MASK + ending])


def mask_email(address: str) -> str:
    """ "ivanov@example.com" → "iv*****@example.com": enough to recognise one's own address.

    For notices sent to another address than the one named (the old address is told of
    the new one). The domain stays; of the local part, the first two characters (one if it
    has at most two).
    """
    local, at, domain = (address or "").partition("@")
    if not at:
        return MASK
    kept = local[:2] if len(local) > 2 else local[:1]
    return f"{kept}{MASK}@{domain}"
