package dev.lectern.chat;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.springframework.stereotype.Component;

import dev.lectern.conversations.LiveAnswers;

/** Every answer being written, by request id; an answer leaves when it has been saved and its readers told. */
@Component
class RunningAnswers implements LiveAnswers {

    private final ConcurrentMap<String, RunningAnswer> byRequest = new ConcurrentHashMap<>();

    void add(RunningAnswer answer) {
        byRequest.put(answer.requestId(), answer);
    }

    void remove(RunningAnswer answer) {
        byRequest.remove(answer.requestId(), answer);
    }

    /** The owner's answer with this request id, if it is still being written. */
    Optional<RunningAnswer> find(long ownerId, String requestId) {
        return Optional.ofNullable(byRequest.get(requestId)).filter(answer -> answer.ownerId() == ownerId);
    }

    Optional<RunningAnswer> inConversation(UUID conversationId) {
        return byRequest.values().stream().filter(answer -> answer.conversationId().equals(conversationId)).findFirst();
    }

    int size() {
        return byRequest.size();
    }

    @Override
    public Optional<LiveAnswer> find(long answerMessageId) {
        return byRequest.values().stream().filter(answer -> answer.answerId() == answerMessageId).findFirst()
                .map(answer -> new LiveAnswer(answer.requestId(), answer.textSoFar()));
    }

    @Override
    public void cancelConversation(UUID conversationId, String reason) {
        List<RunningAnswer> answers = byRequest.values().stream()
                .filter(answer -> answer.conversationId().equals(conversationId)).toList();
        answers.forEach(answer -> answer.cancel(reason));
    }
}
