package dev.lectern.admin;

import java.util.List;

import dev.lectern.inference.PrefixInfo;

/**
 * A prefix-cache entry with the documents it is the prefix of (the same file uploaded by two users is one
 * entry), as the admin page's cache table shows it.
 */
public record CacheRow(PrefixInfo entry, List<DocumentRef> documents) {

    /** A document, its title (or file name) and its owner. */
    public record DocumentRef(String id, String title, String owner) {
    }
}
