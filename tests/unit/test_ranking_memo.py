"""The ranking memory: a value per key for a limited time, and a bounded number of keys."""

from __future__ import annotations

from core.catalog.ranking import RankingMemo


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting(value: str, calls: list[str]):
    def compute() -> str:
        calls.append(value)
        return value

    return compute


def test_returns_the_remembered_value_within_the_time_to_live():
    clock, calls = Clock(), []
    memo = RankingMemo(ttl_seconds=60, clock=clock)
    assert memo.get_or_compute("k", counting("first", calls)) == "first"
    clock.now = 59.9
    assert memo.get_or_compute("k", counting("second", calls)) == "first"
    assert calls == ["first"]


def test_computes_again_once_the_time_to_live_has_passed():
    clock, calls = Clock(), []
    memo = RankingMemo(ttl_seconds=60, clock=clock)
    memo.get_or_compute("k", counting("first", calls))
    clock.now = 60
    assert memo.get_or_compute("k", counting("second", calls)) == "second"
    assert calls == ["first", "second"]


def test_forgets_the_least_recently_used_key_beyond_its_size():
    memo = RankingMemo(max_entries=2, clock=Clock())
    calls: list[str] = []
    memo.get_or_compute("a", counting("a", calls))
    memo.get_or_compute("b", counting("b", calls))
    memo.get_or_compute("a", counting("a again", calls))  # a is now the most recent
    memo.get_or_compute("c", counting("c", calls))  # evicts b
    assert len(memo) == 2
    assert memo.get_or_compute("a", counting("a third", calls)) == "a"
    assert memo.get_or_compute("b", counting("b again", calls)) == "b again"


def test_clear_forgets_everything():
    memo = RankingMemo(clock=Clock())
    calls: list[str] = []
    memo.get_or_compute("k", counting("first", calls))
    memo.clear()
    assert memo.get_or_compute("k", counting("second", calls)) == "second"


def test_threads_sharing_one_memo_each_get_their_own_key_and_the_size_stays_bounded():
    import threading

    memo = RankingMemo(max_entries=50)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def student(number: int) -> None:
        try:
            start.wait()
            for round_ in range(300):
                key = (number, round_ % 20)
                assert memo.get_or_compute(key, lambda key=key: key) == key
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            errors.append(error)

    threads = [threading.Thread(target=student, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(memo) <= 50
