-- What each user asked of the engine (issue 18, the admin page's users panel): requests answered or
-- cancelled, requests that failed, prompt tokens (and how many came from the cache) and tokens generated,
-- and when they last asked. One row per user, added to as requests end, whatever asked (chat or API).
CREATE TABLE user_usage (
    user_id           BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    requests          BIGINT      NOT NULL DEFAULT 0,
    failed_requests   BIGINT      NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT      NOT NULL DEFAULT 0,
    cached_tokens     BIGINT      NOT NULL DEFAULT 0,
    generation_tokens BIGINT      NOT NULL DEFAULT 0,
    last_active_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
