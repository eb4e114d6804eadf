-- SPEC §7: a carrier callback finds its attempt by the SHA-256 of the token it presents and then
-- compares the token in constant time, so no lookup compares the secret itself. Tokens are
-- `<attempt>_<32 hex>` (no backslash), so `token::bytea` is exactly their UTF-8 bytes.
CREATE INDEX "attempts_token_sha256" ON "attempts" USING btree (sha256("token"::bytea));