"""booking.availability: pure, so no database; local times are America/New_York."""

import datetime
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from booking.availability import (
    ProviderCalendar,
    RoomCalendar,
    Slot,
    choose_provider,
    free_slots,
)

NY = ZoneInfo("America/New_York")
MONDAY = datetime.date(2026, 6, 15)
SPRING_FORWARD = datetime.date(2026, 3, 8)  # 02:00 EST -> 03:00 EDT
FALL_BACK = datetime.date(2026, 11, 1)  # 02:00 EDT -> 01:00 EST
EVERY_DAY = range(7)


def t(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def hours(*intervals: str) -> dict[int, list[tuple[datetime.time, datetime.time]]]:
    """The same local intervals ("09:00-12:00") on every weekday."""
    parsed = [tuple(t(part) for part in interval.split("-")) for interval in intervals]
    return dict.fromkeys(EVERY_DAY, parsed)


def at(day: datetime.date, clock: str, *, fold: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, t(clock), tzinfo=NY).replace(fold=fold)


def minutes(count: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=count)


def provider(
    provider_id: int = 1,
    working: tuple[str, ...] = ("00:00-23:59",),
    *,
    time_off: tuple[tuple[datetime.datetime, datetime.datetime], ...] = (),
    busy: tuple[tuple[datetime.datetime, datetime.datetime], ...] = (),
) -> ProviderCalendar:
    return ProviderCalendar(
        provider_id=provider_id,
        weekly_hours=hours(*working),
        time_off=time_off,
        busy=busy,
    )


def slots(**overrides) -> list[Slot]:
    """free_slots on MONDAY with a 60-minute treatment every 30 minutes, one
    always-working provider, no room, no notice and a year's horizon."""
    day = overrides.pop("day", MONDAY)
    arguments = {
        "time_zone": NY,
        "opening_hours": hours("09:00-12:00"),
        "closures": (),
        "providers": [provider()],
        "rooms": None,
        "duration": minutes(60),
        "buffer_after": minutes(0),
        "first_day": day,
        "last_day": day,
        "now": at(day, "00:00") - datetime.timedelta(days=30),
        "minimum_notice": minutes(0),
        "horizon": datetime.timedelta(days=365),
        "step": minutes(30),
    }
    return free_slots(**arguments | overrides)


def local(found: list[Slot]) -> list[str]:
    return [f"{slot.starts_at.astimezone(NY):%H:%M}" for slot in found]


def local_with_zone(found: list[Slot]) -> list[str]:
    return [f"{slot.starts_at.astimezone(NY):%H:%M %Z}" for slot in found]


# Opening hours and provider schedules


def test_offers_each_step_start_that_fits_in_each_opening_interval():
    found = slots(opening_hours=hours("09:00-11:00", "13:00-14:30"))

    assert local(found) == ["09:00", "09:30", "10:00", "13:00", "13:30"]


def test_a_treatment_never_spans_the_gap_between_two_opening_intervals():
    found = slots(
        opening_hours=hours("09:00-10:30", "10:30-12:00"), duration=minutes(90)
    )

    assert local(found) == ["09:00", "10:30"]


def test_offers_no_start_on_a_weekday_without_opening_hours():
    assert slots(opening_hours={MONDAY.weekday() + 1: [(t("09:00"), t("12:00"))]}) == []


def test_offers_only_starts_inside_the_providers_working_hours():
    found = slots(
        opening_hours=hours("09:00-17:00"),
        providers=[provider(working=("10:00-12:00", "14:30-16:00"))],
    )

    assert local(found) == ["10:00", "10:30", "11:00", "14:30", "15:00"]


def test_starts_stay_on_the_opening_grid_when_the_provider_starts_off_it():
    found = slots(providers=[provider(working=("09:10-12:00",))])

    assert local(found) == ["09:30", "10:00", "10:30", "11:00"]


def test_a_provider_who_does_not_work_that_weekday_gives_no_starts():
    off_on_monday = ProviderCalendar(
        provider_id=1, weekly_hours={1: [(t("09:00"), t("12:00"))]}
    )

    assert slots(providers=[off_on_monday]) == []


def test_no_provider_means_no_starts():
    assert slots(providers=[]) == []


# Buffers, busy ranges and time off


def test_a_start_whose_cleanup_buffer_would_cross_closing_is_not_offered():
    found = slots(
        opening_hours=hours("09:00-11:00"),
        duration=minutes(45),
        buffer_after=minutes(15),
        step=minutes(15),
    )

    assert local(found) == ["09:00", "09:15", "09:30", "09:45", "10:00"]
    last = found[-1]
    assert last.ends_at - last.starts_at == minutes(45)
    assert last.blocked_until - last.starts_at == minutes(60)


def test_the_next_start_waits_for_the_previous_appointments_buffer():
    # A 09:00-10:00 appointment plus its 15-minute cleanup.
    found = slots(
        opening_hours=hours("09:00-11:00"),
        duration=minutes(30),
        step=minutes(15),
        providers=[provider(busy=((at(MONDAY, "09:00"), at(MONDAY, "10:15")),))],
    )

    assert local(found) == ["10:15", "10:30"]


def test_a_start_whose_own_buffer_would_overlap_the_next_appointment_is_not_offered():
    found = slots(
        opening_hours=hours("09:00-11:15"),
        duration=minutes(30),
        buffer_after=minutes(15),
        step=minutes(15),
        providers=[provider(busy=((at(MONDAY, "10:00"), at(MONDAY, "10:30")),))],
    )

    assert local(found) == ["09:00", "09:15", "10:30"]


def test_overlapping_and_unsorted_busy_ranges_are_all_respected():
    busy = (
        (at(MONDAY, "11:00"), at(MONDAY, "11:30")),
        (at(MONDAY, "09:00"), at(MONDAY, "09:45")),
        (at(MONDAY, "09:30"), at(MONDAY, "10:15")),
        # Inside the one before: must not cut the merged range short.
        (at(MONDAY, "09:40"), at(MONDAY, "09:50")),
    )

    found = slots(
        step=minutes(15), duration=minutes(30), providers=[provider(busy=busy)]
    )

    assert local(found) == ["10:15", "10:30", "11:30"]


def test_time_off_removes_overlapping_starts_and_its_end_may_touch_a_start():
    found = slots(
        providers=[provider(time_off=((at(MONDAY, "09:15"), at(MONDAY, "10:30")),))]
    )

    assert local(found) == ["10:30", "11:00"]


def test_time_off_given_in_another_zone_is_compared_as_the_same_instant():
    paris = ZoneInfo("Europe/Paris")
    # 15:00-16:00 in Paris is 09:00-10:00 in New York in June.
    time_off = (
        (at(MONDAY, "09:00").astimezone(paris), at(MONDAY, "10:00").astimezone(paris)),
    )

    assert local(slots(providers=[provider(time_off=time_off)])) == [
        "10:00",
        "10:30",
        "11:00",
    ]


def test_a_closure_day_offers_nothing_and_the_next_day_is_unaffected():
    tuesday = MONDAY + datetime.timedelta(days=1)

    found = slots(closures={MONDAY}, last_day=tuesday)

    assert {slot.starts_at.astimezone(NY).date() for slot in found} == {tuesday}
    assert local(found) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


# Notice, horizon and step


def test_minimum_notice_hides_starts_until_notice_has_passed():
    found = slots(now=at(MONDAY, "08:10"), minimum_notice=datetime.timedelta(hours=2))

    assert local(found) == ["10:30", "11:00"]


def test_a_start_exactly_at_the_minimum_notice_is_offered():
    found = slots(now=at(MONDAY, "08:00"), minimum_notice=datetime.timedelta(hours=2))

    assert local(found) == ["10:00", "10:30", "11:00"]


def test_the_horizon_includes_its_last_instant_and_nothing_after():
    found = slots(
        now=at(MONDAY, "10:00") - datetime.timedelta(days=1),
        horizon=datetime.timedelta(days=1),
    )

    assert local(found) == ["09:00", "09:30", "10:00"]


def test_starts_are_counted_in_steps_from_the_opening_time():
    found = slots(
        opening_hours=hours("09:10-10:30"), duration=minutes(20), step=minutes(20)
    )

    assert local(found) == ["09:10", "09:30", "09:50", "10:10"]


def test_the_default_step_is_fifteen_minutes():
    arguments = {
        "time_zone": NY,
        "opening_hours": hours("09:00-10:00"),
        "closures": (),
        "providers": [provider()],
        "rooms": None,
        "duration": minutes(30),
        "buffer_after": minutes(0),
        "first_day": MONDAY,
        "last_day": MONDAY,
        "now": at(MONDAY, "00:00"),
        "minimum_notice": minutes(0),
        "horizon": datetime.timedelta(days=1),
    }

    assert local(free_slots(**arguments)) == ["09:00", "09:15", "09:30"]


@pytest.mark.parametrize(
    "bad",
    [{"step": minutes(0)}, {"duration": minutes(0)}, {"buffer_after": minutes(-5)}],
)
def test_a_zero_step_or_duration_or_a_negative_buffer_is_refused(bad):
    with pytest.raises(ValueError):
        slots(**bad)


def test_several_days_come_back_sorted_by_start_in_utc():
    found = slots(
        first_day=MONDAY, last_day=MONDAY + datetime.timedelta(days=2), step=minutes(60)
    )

    assert len(found) == 9
    assert [slot.starts_at for slot in found] == sorted(
        slot.starts_at for slot in found
    )
    assert all(slot.starts_at.tzinfo is datetime.UTC for slot in found)
    assert all(slot.ends_at.tzinfo is datetime.UTC for slot in found)
    assert found[0].starts_at == datetime.datetime(
        2026, 6, 15, 13, 0, tzinfo=datetime.UTC
    )


# Rooms


def test_a_treatment_that_needs_no_room_lists_no_rooms():
    found = slots(rooms=None)

    assert found and all(slot.room_ids == () for slot in found)


def test_no_start_is_offered_when_every_room_is_busy():
    whole_morning = ((at(MONDAY, "08:00"), at(MONDAY, "12:00")),)
    rooms = [
        RoomCalendar(room_id=1, busy=whole_morning),
        RoomCalendar(room_id=2, busy=whole_morning),
    ]

    assert slots(rooms=rooms) == []


def test_no_start_is_offered_when_a_room_is_needed_and_the_location_has_none():
    assert slots(rooms=[]) == []


def test_only_the_free_room_is_listed_and_a_busy_room_blocks_with_its_buffer():
    rooms = [
        RoomCalendar(room_id=2, busy=((at(MONDAY, "10:00"), at(MONDAY, "10:45")),)),
        RoomCalendar(room_id=1, busy=((at(MONDAY, "08:00"), at(MONDAY, "12:00")),)),
    ]

    found = slots(rooms=rooms)

    assert local(found) == ["09:00", "11:00"]
    assert [slot.room_ids for slot in found] == [(2,), (2,)]


def test_every_free_room_is_listed_in_id_order():
    rooms = [RoomCalendar(room_id=3), RoomCalendar(room_id=1)]

    assert {slot.room_ids for slot in slots(rooms=rooms)} == {(1, 3)}


# Two providers and "any provider"


def test_a_start_lists_both_providers_when_both_are_free():
    found = slots(providers=[provider(2), provider(1)])

    assert {slot.provider_ids for slot in found} == {(1, 2)}


def test_a_start_lists_only_the_providers_free_for_it_and_needs_at_least_one():
    found = slots(
        providers=[
            provider(1, busy=((at(MONDAY, "09:00"), at(MONDAY, "10:00")),)),
            provider(2, busy=((at(MONDAY, "10:15"), at(MONDAY, "11:00")),)),
        ]
    )

    assert [(f"{s.starts_at.astimezone(NY):%H:%M}", s.provider_ids) for s in found] == [
        ("09:00", (2,)),
        ("10:00", (1,)),
        ("10:30", (1,)),
        ("11:00", (1, 2)),
    ]


def test_any_provider_assigns_the_free_provider_with_the_fewest_bookings_that_day():
    slot = slots(providers=[provider(1), provider(2), provider(3)])[0]

    assert choose_provider(slot, {1: 4, 2: 1, 3: 2}) == 2


def test_any_provider_breaks_a_tie_by_lowest_id_and_counts_a_missing_one_as_zero():
    slot = slots(providers=[provider(5), provider(3), provider(7)])[0]

    assert choose_provider(slot, {3: 2, 5: 2, 7: 2}) == 3
    assert choose_provider(slot, {3: 1, 5: 1}) == 7
    assert choose_provider(slot, {}) == 3


def test_any_provider_only_chooses_among_the_free_providers():
    busy = ((at(MONDAY, "09:00"), at(MONDAY, "10:00")),)
    slot = slots(providers=[provider(1, busy=busy), provider(2)])[0]

    assert choose_provider(slot, {1: 0, 2: 9}) == 2


# Daylight saving time in America/New_York


def test_spring_forward_offers_no_time_that_does_not_exist():
    found = slots(day=SPRING_FORWARD, opening_hours=hours("00:00-04:00"))

    assert local_with_zone(found) == [
        "00:00 EST",
        "00:30 EST",
        "01:00 EST",
        "01:30 EST",
        "03:00 EDT",
    ]
    starts = [slot.starts_at for slot in found]
    assert starts == sorted(set(starts))
    # 01:30 EST plus one real hour is 03:30 EDT.
    assert found[3].ends_at == at(SPRING_FORWARD, "03:30")
    assert all(slot.ends_at - slot.starts_at == minutes(60) for slot in found)


def test_spring_forward_every_fifteen_minutes_skips_the_whole_missing_hour():
    found = slots(
        day=SPRING_FORWARD, opening_hours=hours("00:00-04:00"), step=minutes(15)
    )

    assert not any(label.startswith("02:") for label in local(found))
    assert len(found) == 9  # 00:00-01:45 EST, then 03:00 EDT; three real hours
    starts = [slot.starts_at for slot in found]
    assert all(a < b for a, b in zip(starts, starts[1:], strict=False))


def test_fall_back_offers_each_instant_once_and_both_readings_of_the_repeated_hour():
    found = slots(day=FALL_BACK, opening_hours=hours("00:00-04:00"))

    assert local_with_zone(found) == [
        "00:00 EDT",
        "00:30 EDT",
        "01:00 EDT",
        "01:30 EDT",
        "01:00 EST",
        "01:30 EST",
        "02:00 EST",
        "02:30 EST",
        "03:00 EST",
    ]
    starts = [slot.starts_at for slot in found]
    assert all(a < b for a, b in zip(starts, starts[1:], strict=False))
    assert starts[0] == datetime.datetime(2026, 11, 1, 4, 0, tzinfo=datetime.UTC)
    assert starts[-1] == datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)


def test_fall_back_end_times_are_real_elapsed_time():
    found = slots(day=FALL_BACK, opening_hours=hours("00:00-04:00"))
    by_start = {f"{s.starts_at.astimezone(NY):%H:%M %Z}": s for s in found}

    assert f"{by_start['00:30 EDT'].ends_at.astimezone(NY):%H:%M %Z}" == "01:30 EDT"
    assert f"{by_start['01:30 EDT'].ends_at.astimezone(NY):%H:%M %Z}" == "01:30 EST"
    # Compared in UTC: == across zones is always False for a time in the fold.
    assert by_start["01:30 EDT"].ends_at == at(FALL_BACK, "01:30", fold=1).astimezone(
        datetime.UTC
    )
    assert all(slot.ends_at - slot.starts_at == minutes(60) for slot in found)


def test_fall_back_closing_inside_the_repeated_hour_means_its_second_reading():
    found = slots(
        day=FALL_BACK, opening_hours=hours("00:00-01:30"), duration=minutes(30)
    )

    assert local_with_zone(found) == [
        "00:00 EDT",
        "00:30 EDT",
        "01:00 EDT",
        "01:30 EDT",
        "01:00 EST",
    ]


def test_spring_forward_opening_or_closing_inside_the_gap_means_the_jump():
    opening_in_gap = slots(
        day=SPRING_FORWARD, opening_hours=hours("02:30-04:00"), duration=minutes(30)
    )
    closing_in_gap = slots(day=SPRING_FORWARD, opening_hours=hours("00:00-02:30"))

    assert local_with_zone(opening_in_gap) == ["03:00 EDT", "03:30 EDT"]
    assert local_with_zone(closing_in_gap) == ["00:00 EST", "00:30 EST", "01:00 EST"]


@pytest.mark.parametrize(
    ("day", "first_utc"),
    [
        (SPRING_FORWARD, datetime.datetime(2026, 3, 8, 13, 0, tzinfo=datetime.UTC)),
        (FALL_BACK, datetime.datetime(2026, 11, 1, 14, 0, tzinfo=datetime.UTC)),
    ],
)
def test_a_normal_day_on_a_dst_date_offers_every_quarter_hour_unshifted(day, first_utc):
    found = slots(day=day, opening_hours=hours("09:00-18:00"), step=minutes(15))

    assert len(found) == 33  # 09:00 to 17:00 inclusive
    assert local(found)[:2] == ["09:00", "09:15"]
    assert local(found)[-1] == "17:00"
    assert found[0].starts_at == first_utc
    assert found[-1].starts_at == first_utc + datetime.timedelta(hours=8)


def test_minimum_notice_on_the_fall_back_night_counts_real_time_from_a_frozen_clock():
    with time_machine.travel(at(FALL_BACK, "00:15"), tick=False):
        now = timezone.now()

        found = slots(
            day=FALL_BACK,
            opening_hours=hours("00:00-04:00"),
            now=now,
            minimum_notice=datetime.timedelta(hours=1),
        )

    # 00:15 EDT plus an hour is 01:15 EDT: 01:00 EST is later, so it stays.
    assert local_with_zone(found) == [
        "01:30 EDT",
        "01:00 EST",
        "01:30 EST",
        "02:00 EST",
        "02:30 EST",
        "03:00 EST",
    ]


def test_now_given_in_local_time_is_advanced_in_real_time_not_wall_time():
    # 01:30 EDT plus one real hour is 01:30 EST, not 02:30 EST (wall-clock sum).
    found = slots(
        day=FALL_BACK,
        opening_hours=hours("00:00-04:00"),
        now=at(FALL_BACK, "01:30"),
        minimum_notice=datetime.timedelta(hours=1),
    )

    assert local_with_zone(found)[0] == "01:30 EST"


# Speed


def test_a_week_for_six_busy_providers_and_three_rooms_takes_well_under_half_a_second():
    days = [MONDAY + datetime.timedelta(days=offset) for offset in range(7)]
    providers = [
        provider(
            provider_id,
            ("09:00-13:00", "13:30-18:00"),
            busy=tuple(
                (
                    at(days[index % 7], f"{9 + (index * 3 + provider_id) % 8:02}:15"),
                    at(days[index % 7], f"{9 + (index * 3 + provider_id) % 8:02}:15")
                    + minutes(45),
                )
                for index in range(20)
            ),
        )
        for provider_id in range(1, 7)
    ]
    rooms = [
        RoomCalendar(
            room_id=room_id,
            busy=tuple(
                (at(day, f"{10 + room_id}:00"), at(day, f"{10 + room_id}:30"))
                for day in days
            ),
        )
        for room_id in range(1, 4)
    ]

    began = time.perf_counter()
    found = slots(
        first_day=days[0],
        last_day=days[-1],
        opening_hours=hours("09:00-18:00"),
        providers=providers,
        rooms=rooms,
        buffer_after=minutes(15),
        step=minutes(15),
    )
    elapsed = time.perf_counter() - began

    assert len(found) > 100
    assert elapsed < 0.5
