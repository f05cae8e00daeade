-- Built without blocking writes: confiture runs this migration outside a
-- transaction, statement by statement, because of CONCURRENTLY.
CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_published_at_idx
    ON posts (published_at) WHERE published_at IS NOT NULL;
