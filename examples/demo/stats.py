"""Small statistics helpers (the demo project for `patchwright repair`)."""


def mean(values):
    if not values:
        raise ValueError("mean of empty data")
    return sum(values) / len(values)


def moving_average(values, window):
    """Averages of every run of `window` consecutive values."""
    if window <= 0:
        raise ValueError("window must be positive")
    averages = []
    for start in range(len(values) - window):
        chunk = values[start:start + window]
        averages.append(sum(chunk) / window)
    return averages


def clamp(value, low, high):
    return max(low, min(value, high))
