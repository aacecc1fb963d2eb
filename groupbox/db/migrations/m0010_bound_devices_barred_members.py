"""Resend access signs a device into one membership only; removal bars a member from invites.

- `device.member_id`: set for a device signed in through an admin's "resend access" link; its
  sessions see that one membership and nothing of the profile (SPEC §6.2).
- `signin_token.bound`: the link signs into the member only (the web's resend access), not the
  whole profile (the shell's `groupbox signin-link --member`).
- `member.barred_at`: an admin removed this member; their profile may not rejoin through an
  invite until an admin lets them back in. Members removed before this migration stay barred.
"""

STATEMENTS = [
    "ALTER TABLE device ADD COLUMN member_id VARCHAR(24) DEFAULT NULL REFERENCES member (id) ON DELETE CASCADE",
    "ALTER TABLE signin_token ADD COLUMN bound BOOLEAN NOT NULL DEFAULT false",
    "ALTER TABLE member ADD COLUMN barred_at TIMESTAMPTZ DEFAULT NULL",
    "UPDATE member SET barred_at = left_at WHERE status = 'removed' AND id IN"
    " (SELECT target_id FROM audit_entry WHERE action = 'member.remove')",
]
