"""The sandbox's test cards: the number decides what happens (docs/payments.md)."""

SUCCESS = "4111111111111111"  # paid: the payer goes to the success page, a notification follows
DECLINE = "4000000000000002"  # declined by the "bank": the failure page, no notification
IN_PROGRESS = "4000000000000077"  # stays in progress: the in-progress page, no notification

TEST_CARDS = (
    (SUCCESS, "оплата проходит"),
    (DECLINE, "банк отклоняет оплату"),
    (IN_PROGRESS, "оплата остается в обработке"),
)


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def spaced(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
