"""Notices on their channels, as an outbox kind: each delivery is one mail, one robot
message or one SMS. A delivery held for quiet hours is not pending until they are over
(beat's `deliveries_due_task` sends it then)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notify.channels import Post
from notify.models import Channel, Delivery, Event
from notify.outbox import MailRenderer, Outgoing, TrackedRows, register

# what differs between one event's notice mails, printed as it is by the notice templates
PERSONAL = ("title", "text", "link")


class DeliveryKind(TrackedRows):
    name = "delivery"
    model = Delivery
    cancel_reason_field = "cancel_reason"
    related = ("notice",)
    deferred = ()

    def pending(self) -> Q:
        return super().pending() & (Q(not_before__isnull=True) | Q(not_before__lte=timezone.now()))

    def prepare(self, rows: list[Delivery]) -> None:
        self.events = {k: str(label) for k, label in Event.choices}
        # an event's mails differ only in what they print as it is: rendered once an event
        self.renderer = MailRenderer("notice", PERSONAL)

    def build(self, delivery: Delivery) -> Outgoing:
        notice = delivery.notice
        link = settings.SITE_URL.rstrip("/") + notice.link
        event = self.events.get(notice.event, notice.event)
        if delivery.channel == Channel.EMAIL:  # the subject names the event: 【催办】…
            context = {
                "event": event,
                "title": notice.title,
                "text": notice.text,
                "link": link,
            }
            message = self.renderer.mail(context, [delivery.address])
            return Outgoing(message, region_id=notice.region_id, kind=notice.event)
        title = f"{event}:{notice.title}"  # a robot's or a phone's message names it too
        post = Post(delivery.channel, delivery.address, delivery.secret, title, notice.text, link)
        return Outgoing(post, region_id=notice.region_id, kind=notice.event)


register(DeliveryKind())
