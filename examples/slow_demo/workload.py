"""The timed workload: one call of top_word on a text of 3000 words (deterministic)."""

from wordstats import top_word


def main():
    words = [f"w{(i * 7919) % 1500}" for i in range(3000)]
    return top_word(" ".join(words))


if __name__ == "__main__":
    print(main())
