package dev.lectern.apikeys;

import java.time.OffsetDateTime;

/** A key as its owner sees it after creation: never the key itself, only its first characters. */
record ApiKeyView(long id, String name, String hint, OffsetDateTime createdAt, OffsetDateTime lastUsedAt) {
}
