"""Outreach: pilots and allocation, call lists and calls, support, reminders and replies."""

from outreach.models.calls import (
    BookingRequest,
    BookingRequestKind,
    CallAttempt,
    CallResult,
    CallTask,
    CallTaskReason,
    CallTaskStatus,
    Intention,
    SupportOffer,
    SupportStatus,
    SupportType,
)
from outreach.models.capacity import TeamCapacity
from outreach.models.pilots import Allocation, Arm, Eligibility, Pilot
from outreach.models.reminders import (
    EarlyReceipt,
    InboundAction,
    InboundMessage,
    MessageTemplate,
    OutboxMessage,
    Reminder,
    ReminderStatus,
)
from outreach.models.reports import DisparityTarget, DnaDailyCount, DnaMonthlyCount, DnaRollupBuild

__all__ = [
    "Allocation",
    "Arm",
    "BookingRequest",
    "BookingRequestKind",
    "CallAttempt",
    "CallResult",
    "CallTask",
    "CallTaskReason",
    "CallTaskStatus",
    "DisparityTarget",
    "DnaDailyCount",
    "DnaMonthlyCount",
    "DnaRollupBuild",
    "EarlyReceipt",
    "Eligibility",
    "InboundAction",
    "InboundMessage",
    "Intention",
    "MessageTemplate",
    "OutboxMessage",
    "Pilot",
    "Reminder",
    "ReminderStatus",
    "SupportOffer",
    "SupportStatus",
    "SupportType",
    "TeamCapacity",
]
