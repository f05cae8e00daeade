-- How many comments each post has.
CREATE VIEW post_stats AS
SELECT p.id AS post_id, p.title, count(c.id) AS comments
FROM posts p
LEFT JOIN comments c ON c.post_id = p.id
GROUP BY p.id, p.title;
