"""Free start times for a treatment at a location, from plain calendar data.

Nothing here reads the database or the clock: the caller loads the calendars and
passes ``now``, so every rule, DST days included, is a plain unit test.

How local times become instants (the DST rule):

- A local interval such as opening hours 09:00-18:00 on a day is turned into one
  interval of real (UTC) time. It opens at the first instant the local clock shows
  its start (in a fall-back fold, the first occurrence) and closes at the last
  instant the clock shows its end (in a fold, the second occurrence). A wall time
  that a spring-forward gap skips resolves to the instant of the jump.
- Candidate starts are the instants in that real interval whose local wall-clock
  time is on the step grid counted from the interval's start. A wall time in a
  spring-forward gap has no instant, so it is never offered; a wall time in a
  fall-back fold has two distinct instants (01:30 EDT and 01:30 EST), and each is
  offered once, so no instant is offered twice and nothing is shifted.
- A start is kept when all of [start, start + duration + buffer) fits in the real
  interval. End times are real elapsed time: a 60-minute treatment starting at
  01:30 EDT on the fall-back day ends at 01:30 EST.

Busy ranges are half-open: an appointment ending at 10:00 does not block a start
at 10:00.
"""

import bisect
import datetime
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

Interval = tuple[datetime.datetime, datetime.datetime]
LocalHours = tuple[datetime.time, datetime.time]
# Weekday (Monday = 0, as date.weekday()) -> local intervals, several a day allowed.
WeeklyHours = Mapping[int, Sequence[LocalHours]]

ZERO = datetime.timedelta(0)


@dataclass(frozen=True)
class ProviderCalendar:
    provider_id: int
    # Working hours at this location only.
    weekly_hours: WeeklyHours
    time_off: Sequence[Interval] = ()
    # Active appointments and live holds, each end already including its buffer.
    busy: Sequence[Interval] = ()


@dataclass(frozen=True)
class RoomCalendar:
    room_id: int
    busy: Sequence[Interval] = ()


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime
    # What the patient sees.
    ends_at: datetime.datetime
    # What the calendar reserves: ends_at plus the cleanup buffer.
    blocked_until: datetime.datetime
    provider_ids: tuple[int, ...]
    # Empty when the treatment needs no room.
    room_ids: tuple[int, ...]


@dataclass(frozen=True)
class _Busy:
    """Merged, sorted ranges, so an overlap test is one bisect."""

    starts: tuple[datetime.datetime, ...]
    ends: tuple[datetime.datetime, ...]

    @classmethod
    def of(cls, ranges: Iterable[Interval]) -> "_Busy":
        merged: list[list[datetime.datetime]] = []
        for start, end in sorted(
            (start.astimezone(datetime.UTC), end.astimezone(datetime.UTC))
            for start, end in ranges
            if start < end
        ):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(tuple(s for s, _ in merged), tuple(e for _, e in merged))

    def overlaps(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        # The ranges are disjoint and sorted, so the first one ending after
        # `start` is the only one that can overlap [start, end).
        index = bisect.bisect_right(self.ends, start)
        return index < len(self.starts) and self.starts[index] < end


def free_slots(
    *,
    time_zone: ZoneInfo,
    opening_hours: WeeklyHours,
    closures: Collection[datetime.date],
    providers: Sequence[ProviderCalendar],
    rooms: Sequence[RoomCalendar] | None,
    duration: datetime.timedelta,
    buffer_after: datetime.timedelta,
    first_day: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime,
    minimum_notice: datetime.timedelta,
    horizon: datetime.timedelta,
    step: datetime.timedelta = datetime.timedelta(minutes=15),
) -> list[Slot]:
    """Return the free starts on the location's local days first_day..last_day.

    A start is offered when [start, start + duration + buffer_after) lies inside
    one opening interval and, for at least one provider, inside one of their
    working intervals that day, overlapping none of their time off or busy ranges;
    when now + minimum_notice <= start <= now + horizon; when the day is not a
    closure; and, unless ``rooms`` is None (no room needed), when a room is free.
    Each slot lists every free provider and room, ids ascending; slots are
    sorted by start, and every datetime returned is aware UTC. Local intervals
    end after they start, on the same day. See the module docstring for DST.
    """
    if step <= ZERO or duration <= ZERO or buffer_after < ZERO:
        raise ValueError("step and duration must be positive, buffer_after >= 0")
    # Sums on a zone-aware datetime are wall-clock sums; in UTC they are real time.
    now = now.astimezone(datetime.UTC)
    earliest = now + minimum_notice
    latest = now + horizon
    needed = duration + buffer_after
    provider_calendars = [
        (
            provider.provider_id,
            provider.weekly_hours,
            _Busy.of([*provider.time_off, *provider.busy]),
        )
        for provider in sorted(providers, key=lambda provider: provider.provider_id)
    ]
    room_calendars = (
        None
        if rooms is None
        else [
            (room.room_id, _Busy.of(room.busy))
            for room in sorted(rooms, key=lambda room: room.room_id)
        ]
    )

    slots: dict[datetime.datetime, Slot] = {}
    for offset in range((last_day - first_day).days + 1):
        day = first_day + datetime.timedelta(days=offset)
        if day in closures:
            continue
        weekday = day.weekday()
        working = []
        for provider_id, weekly_hours, busy in provider_calendars:
            spans = [
                _real_interval(day, hours, time_zone)
                for hours in weekly_hours.get(weekday, ())
            ]
            if spans:
                working.append((provider_id, spans, busy))
        if not working:
            continue
        for hours in opening_hours.get(weekday, ()):
            for start in _starts(day, hours, time_zone, step, needed):
                if start < earliest or start > latest or start in slots:
                    continue
                blocked_until = start + needed
                provider_ids = tuple(
                    provider_id
                    for provider_id, spans, busy in working
                    if any(a <= start and blocked_until <= b for a, b in spans)
                    and not busy.overlaps(start, blocked_until)
                )
                if not provider_ids:
                    continue
                room_ids: tuple[int, ...] = ()
                if room_calendars is not None:
                    room_ids = tuple(
                        room_id
                        for room_id, busy in room_calendars
                        if not busy.overlaps(start, blocked_until)
                    )
                    if not room_ids:
                        continue
                slots[start] = Slot(
                    starts_at=start,
                    ends_at=start + duration,
                    blocked_until=blocked_until,
                    provider_ids=provider_ids,
                    room_ids=room_ids,
                )
    return sorted(slots.values(), key=lambda slot: slot.starts_at)


def choose_provider(slot: Slot, bookings_that_day: Mapping[int, int]) -> int:
    """Pick the free provider with the fewest bookings that day, lowest id on a tie."""
    return min(
        slot.provider_ids,
        key=lambda provider_id: (bookings_that_day.get(provider_id, 0), provider_id),
    )


def _instants(
    wall: datetime.datetime, time_zone: ZoneInfo
) -> tuple[datetime.datetime, ...]:
    """Return the UTC instants at which the local clock shows ``wall``."""
    first = wall.replace(tzinfo=time_zone, fold=0).astimezone(datetime.UTC)
    second = wall.replace(tzinfo=time_zone, fold=1).astimezone(datetime.UTC)
    if first == second:
        return (first,)
    # PEP 495: in a fold, fold=0 is the earlier instant; in a gap the two folds
    # map to instants in the wrong order, and neither really shows `wall`.
    if first < second:
        return (first, second)
    return ()


def _gap_end(wall: datetime.datetime, time_zone: ZoneInfo) -> datetime.datetime:
    """Return the instant the clock jumps over ``wall``, a time a gap skips."""
    # fold=1 maps the skipped time with the offset after the jump, which lands
    # before the jump, and fold=0 with the offset before it, which lands after:
    # the jump lies between, and is found by halving.
    before = wall.replace(tzinfo=time_zone, fold=1).astimezone(datetime.UTC)
    after = wall.replace(tzinfo=time_zone, fold=0).astimezone(datetime.UTC)
    new_offset = after.astimezone(time_zone).utcoffset()
    while after - before > datetime.timedelta(microseconds=1):
        middle = before + (after - before) // 2
        if middle.astimezone(time_zone).utcoffset() == new_offset:
            after = middle
        else:
            before = middle
    return after


def _real_interval(
    day: datetime.date, hours: LocalHours, time_zone: ZoneInfo
) -> Interval:
    """Return local hours on ``day`` as UTC: from the first instant the clock
    shows the start to the last instant it shows the end."""
    start = datetime.datetime.combine(day, hours[0])
    end = datetime.datetime.combine(day, hours[1])
    opens = _instants(start, time_zone) or (_gap_end(start, time_zone),)
    closes = _instants(end, time_zone) or (_gap_end(end, time_zone),)
    return opens[0], closes[-1]


def _starts(
    day: datetime.date,
    hours: LocalHours,
    time_zone: ZoneInfo,
    step: datetime.timedelta,
    needed: datetime.timedelta,
) -> list[datetime.datetime]:
    """Return the instants in the interval whose local wall time is on the
    step grid and after which ``needed`` still fits before it closes."""
    opens, closes = _real_interval(day, hours, time_zone)
    wall = datetime.datetime.combine(day, hours[0])
    # After a fall-back the clock shows times later than the closing time
    # before it reaches it the second time, so walk the grid that much further.
    fold_back = (
        opens.astimezone(time_zone).utcoffset()
        - closes.astimezone(time_zone).utcoffset()
    )
    last_wall = datetime.datetime.combine(day, hours[1]) + max(fold_back, ZERO)
    starts = []
    while wall < last_wall:
        starts.extend(
            instant
            for instant in _instants(wall, time_zone)
            if opens <= instant and instant + needed <= closes
        )
        wall += step
    # Out of order across a fold; free_slots sorts the final list once.
    return starts
