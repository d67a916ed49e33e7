"""Notifications through apprise URLs (push, phone, sms, email, chat)."""

from warroom.notify.sender import (
    AppriseSender,
    DeliveryFailed,
    DrillSender,
    Message,
    Sender,
    check_url,
)

__all__ = ["AppriseSender", "DeliveryFailed", "DrillSender", "Message", "Sender", "check_url"]
