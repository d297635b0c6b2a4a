-- The server runs as a role that owns nothing (see `grant_to_app` in src/db/mod.rs): it may add
-- to the audit log but not write seals. It chains the log only through `audit_seal()`, which runs
-- as its owner; what it calls inside runs as the owner too, and nobody else calls that directly.
ALTER FUNCTION audit_seal() SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE EXECUTE ON FUNCTION audit_seal_upto(bigint) FROM PUBLIC;
