"""The pure rules of compaction: where to cut the history, and how far to trust the estimate."""

from hypothesis import given
from hypothesis import strategies as st

from lettalite.agent.compaction import MAX_TOKEN_SCALE, choose_cut, token_scale


def test_token_scale_follows_the_provider_upwards_only() -> None:
    assert token_scale(None) == 1.0
    assert token_scale((3000, 1000)) == 3.0
    assert token_scale((500, 1000)) == 1.0  # the estimate already errs on the safe side
    assert token_scale((100_000, 1000)) == MAX_TOKEN_SCALE


histories = st.integers(2, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(1, 500), min_size=n, max_size=n),
        st.lists(
            st.sampled_from(["user", "assistant", "tool", "approval"]), min_size=n, max_size=n
        ),
    )
)


@given(histories, st.integers(0, 5000), st.integers(0, 10))
def test_a_cut_keeps_the_newest_message_and_never_orphans_a_tool_result(
    history: tuple[list[int], list[str]], budget: int, min_evict: int
) -> None:
    sizes, roles = history
    cut = choose_cut(sizes, roles, budget, min_evict)
    assert 0 <= cut < len(sizes)
    if cut > 0:
        # Its tool call would be evicted (an approval answer is followed by the results).
        assert roles[cut] not in ("tool", "approval")


@given(histories, st.integers(0, 5000))
def test_without_tool_results_the_kept_part_fits_the_budget(
    history: tuple[list[int], list[str]], budget: int
) -> None:
    sizes, roles = history
    roles = ["user" if role in ("tool", "approval") else role for role in roles]
    cut = choose_cut(sizes, roles, budget, 0)
    kept = sum(sizes[cut:])
    assert kept <= budget or cut == len(sizes) - 1
    if cut > 0:  # and nothing more was evicted than needed
        assert sum(sizes[cut - 1 :]) > budget
