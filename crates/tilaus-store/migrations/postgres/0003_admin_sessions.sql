-- Admin UI sessions and login throttling (PostgreSQL). Keep in step with
-- ../sqlite/0003_admin_sessions.sql: a test compares the two.
--
-- Both tables are global like users: a session belongs to a user before any shop is chosen,
-- and a throttle bucket counts failures per address or per account across shops. On a
-- distributed (Citus) cluster they stay coordinator-local tables, not reference tables: they are
-- written on every login and, at most once a minute, per active session.

-- Only the SHA-256 of the 256-bit session token is kept; the token lives in the cookie alone.
CREATE TABLE admin_sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (user_id),
    -- The shop the user works in; NULL until chosen (users with several shops pick one).
    shop_id UUID,
    -- The synchronizer token every form of this session carries.
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    -- The absolute end; the idle timeout is measured from last_seen_at.
    expires_at BIGINT NOT NULL
);
CREATE INDEX admin_sessions_user ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- Failed logins per bucket ('ip:…' or 'account:…') in a fixed window; a full window locks the
-- bucket until locked_until. Kept in the database so that limits survive restarts and hold
-- across servers.
CREATE TABLE login_throttle (
    bucket TEXT NOT NULL PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT
);
