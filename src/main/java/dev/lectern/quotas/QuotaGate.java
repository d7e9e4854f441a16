package dev.lectern.quotas;

/**
 * The one check every way of asking the engine for an answer goes through (the chat, the OpenAI-compatible
 * API): before a request is submitted, {@link #admit} takes one of the user's concurrent places or refuses;
 * the returned {@link QuotaTicket} gives it back and charges the tokens when the answer ends.
 */
public interface QuotaGate {

    /**
     * Admits one request for {@code userId}. Blocking (it may read today's usage from the database): call
     * it off the event loop.
     *
     * @throws QuotaExceeded when the user has as many answers running as allowed, or used today's tokens
     */
    QuotaTicket admit(long userId);
}
