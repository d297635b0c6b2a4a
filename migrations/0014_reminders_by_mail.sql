-- Each user chooses how often baucu mails them a digest of what needs them: every day, once a
-- week, or never. Daily by default: the reason for reminders is that officials live in their
-- mail, and a digest with nothing to say is not sent.
ALTER TABLE users
    ADD COLUMN digest text NOT NULL DEFAULT 'daily'
        CONSTRAINT users_digest_check CHECK (digest IN ('daily', 'weekly', 'none'));

-- One row per digest a user is due: the day it covers (a daily digest) or the Monday of its
-- week (a weekly one). The row is written before the mail is sent and the pair (user, period) is
-- unique, so that however many servers run the job, and however often it restarts, a digest is
-- sent at most once. A digest that failed is tried again a few times; one that had nothing to say
-- is kept as 'empty' so that it is not worked out again every minute.
CREATE TABLE digests (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    period date NOT NULL,
    frequency text NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    state text NOT NULL CHECK (state IN ('sending', 'sent', 'empty', 'failed')),
    attempts integer NOT NULL DEFAULT 1 CHECK (attempts > 0),
    claimed_at timestamptz NOT NULL,
    sent_at timestamptz,
    subject text,
    error text,
    UNIQUE (user_id, period)
);
