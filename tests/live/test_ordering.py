import pytest

from edge.live.service.events import FrameDropped, FrameFailed
from edge.live.service.ordering import TicketOrder


def test_outcomes_are_held_until_every_earlier_ticket_has_one():
    order = TicketOrder()
    assert order.release(FrameFailed(1, 2, "boom")) == []
    assert order.release(FrameDropped(1, 1)) == []
    assert len(order) == 2
    released = order.release(FrameDropped(1, 0))
    assert [outcome.ticket for outcome in released] == [0, 1, 2]
    assert len(order) == 0
    assert [outcome.ticket for outcome in order.release(FrameDropped(1, 3))] == [3]


def test_flush_releases_what_is_held_in_ticket_order_and_goes_on_after_it():
    order = TicketOrder()
    order.release(FrameDropped(1, 5))
    order.release(FrameDropped(1, 2))
    assert [outcome.ticket for outcome in order.flush()] == [2, 5]
    assert [outcome.ticket for outcome in order.release(FrameDropped(1, 6))] == [6]


def test_a_second_outcome_for_a_ticket_is_refused():
    order = TicketOrder()
    order.release(FrameDropped(1, 0))
    with pytest.raises(ValueError, match="ticket 0"):
        order.release(FrameDropped(1, 0))
