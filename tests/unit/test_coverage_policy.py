"""The coverage-aware policy: in-time units whose spot stays covered go first; otherwise the fastest."""

from __future__ import annotations

from app.dispatch.coverage import CoverageAwarePolicy
from app.dispatch.policy import Candidate, EtaModel, FastestArrivalPolicy, Need, load_policy

ETA = EtaModel(circuity=1.3, speed_kmh={"urban": 25.0, "rural": 40.0}, turnout_seconds={"police_erv": 60.0})
LAT, LON = 21.25, 81.63
KM = 1 / 110.57  # degrees of latitude per km, near enough here


def erv(unit_id: int, north_km: float, east_km: float = 0.0) -> Candidate:
    return Candidate(unit_id, "police_erv", LAT + north_km * KM, LON + east_km * KM / 0.93)


def ids(ranked: list) -> list[int]:  # type: ignore[type-arg]
    return [r.candidate.unit_id for r in ranked]


def test_sends_the_in_time_unit_that_leaves_cover_behind() -> None:
    # Rural call (28 min, 23.8 with the margin): a lone unit 5 km north, and a pair 10 km south of which
    # each covers the other's spot. All three are in time; the lone one is fastest but its area would
    # be left empty, so one of the pair goes (the nearer of them).
    need = Need("police", LAT, LON, "rural")
    lone, pair_a, pair_b = erv(1, 5.0), erv(2, -10.0), erv(3, -10.5)
    ranked = CoverageAwarePolicy(ETA).rank(need, [lone, pair_a, pair_b])
    assert ids(FastestArrivalPolicy(ETA).rank(need, [lone, pair_a, pair_b])) == [1, 2, 3]
    assert ids(ranked) == [2, 3, 1]


def test_only_one_unit_in_time_means_the_fastest_order() -> None:
    need = Need("police", LAT, LON, "urban")  # 16 min target: 13.6 with the margin ≈ 3.5 km in town
    near, far_a, far_b = erv(1, 2.0), erv(2, -10.0), erv(3, -10.3)
    candidates = [far_b, near, far_a]
    assert ids(CoverageAwarePolicy(ETA).rank(need, candidates)) == ids(
        FastestArrivalPolicy(ETA).rank(need, candidates)
    )


def test_nobody_in_time_means_the_fastest_order() -> None:
    need = Need("police", LAT, LON, "rural")
    candidates = [erv(1, 40.0), erv(2, 41.0), erv(3, -45.0)]
    assert ids(CoverageAwarePolicy(ETA).rank(need, candidates)) == [1, 2, 3]


def test_backups_count_only_units_of_the_same_type() -> None:
    # The lone ERV's spot is next to a women-safety unit: that unit cannot answer police calls, so the
    # ERV still has no backup and the covered pair goes first.
    need = Need("women", LAT, LON, "rural")
    lone = erv(1, 5.0)
    women = Candidate(4, "women_safety", LAT + 5.2 * KM, LON)
    pair_a, pair_b = erv(2, -10.0), erv(3, -10.5)
    ranked = CoverageAwarePolicy(ETA).rank(need, [lone, women, pair_a, pair_b])
    assert ids(ranked)[0] == 2


def test_loaded_by_its_short_name_or_path() -> None:
    assert isinstance(load_policy("coverage_aware", ETA), CoverageAwarePolicy)
    assert isinstance(load_policy("app.dispatch.coverage:CoverageAwarePolicy", ETA), CoverageAwarePolicy)
    assert isinstance(load_policy("fastest_arrival", ETA), FastestArrivalPolicy)
