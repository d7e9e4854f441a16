-- Team accounts (issue 17). Roles are ADMIN and MEMBER ("USER" read like any signed-in person).
-- must_change_password: set for the generated first admin and for accounts an admin created or reset,
-- so a password someone else has seen is replaced at the first sign-in.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
UPDATE users SET role = 'MEMBER' WHERE role = 'USER';
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('ADMIN', 'MEMBER'));
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMPTZ;

-- A document is its owner's until shared with the whole team; a shared document's cached prefix is the
-- same for everyone (the prefix depends only on the document), so it is encoded once.
ALTER TABLE documents ADD COLUMN shared BOOLEAN NOT NULL DEFAULT FALSE;
