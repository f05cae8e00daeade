-- Posts can be drafts: published_at is NULL until they are published.
ALTER TABLE posts ADD COLUMN published_at timestamptz;
