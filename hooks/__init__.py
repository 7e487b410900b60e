"""Webhooks: coordinators register endpoints (a URL, a secret and the events wanted) for
their region; each event of the work (tasks_app.events), each comment and each published
bulletin (notify.signals) becomes a signed JSON POST through notify's outbox, retried with
its backoff, every attempt logged; an endpoint that keeps failing is disabled and its
coordinators told. Only public http(s) addresses are called (hooks.addresses)."""
