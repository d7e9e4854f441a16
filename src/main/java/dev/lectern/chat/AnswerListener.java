package dev.lectern.chat;

/**
 * A reader of an answer being written: a chat socket. Called with the answer's lock held, from the engine's
 * thread among others, so it must never block.
 */
interface AnswerListener {

    /** The answer now sends its events here, starting with {@code accepted}. */
    void following(RunningAnswer answer);

    void send(ServerMessage message);
}
