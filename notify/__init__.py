"""notify: telling people. Reminder policy, the morning sweep, digests, the mail log, the
conversation on each assignment (comments, @mentions), and the one outbox every outgoing
message goes through (claim, re-check, send, stamp, retry)."""
