// Seeds the admin console's scale data straight into a stopped portal's SQLite database: guests in all
// (counting those already there) and allowed pairs among the new ones. Used by the console's browser
// test and by bench/portal/console.mjs.
//
// `guests - existing` guests with ids in the portal's alphabet (20 of a–z, 2–7), usernames user00000…, every
// tenth disabled, and `pairs` distinct pairs among them: guest i with guest i + 37k (mod n), k = 1…6,
// the first `pairs` of those (no two coincide, since 0 < 37 (k + k') < n).
export function seedSql({ guests, pairs, existing, hashFrom }) {
  const n = guests - existing;
  const id = (x) => `'seed' || 'aaaaaaaaaaaaa' || char(97 + (${x}) / 676) || char(97 + ((${x}) / 26) % 26) || char(97 + (${x}) % 26)`;
  return `
PRAGMA foreign_keys = ON;
BEGIN;
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n - 1})
INSERT INTO guests (id, username, display_name, password_hash, disabled, created_at, updated_at)
SELECT ${id('i')}, printf('user%05d', i), printf('Seeded Guest %05d', i),
       (SELECT password_hash FROM guests WHERE username = '${hashFrom}'), i % 10 = 9, 1700000000 + i, 1700000000 + i
FROM seq;
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n - 1}),
     k(k) AS (VALUES (1), (2), (3), (4), (5), (6)),
     p(x, y) AS (SELECT i, (i + 37 * k) % ${n} FROM seq, k ORDER BY k, i LIMIT ${pairs})
INSERT INTO allowed_pairs (guest_a, guest_b)
SELECT ${id('min(x, y)')}, ${id('max(x, y)')} FROM p;
COMMIT;
SELECT count(*) FROM guests;
SELECT count(*) FROM allowed_pairs;
`;
}
