"""Field sizes shared by billing's models."""

MONEY = {"max_digits": 14, "decimal_places": 2}  # roubles and kopecks
PRECISE = {"max_digits": 18, "decimal_places": 6}  # tariffs and volumes
