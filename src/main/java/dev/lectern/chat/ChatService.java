package dev.lectern.chat;

import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import dev.lectern.config.BlockingWork;
import dev.lectern.config.LecternProperties;
import dev.lectern.conversations.Conversation;
import dev.lectern.conversations.ConversationProblem;
import dev.lectern.conversations.ConversationService;
import dev.lectern.conversations.Message;
import dev.lectern.conversations.MessageRole;
import dev.lectern.documents.Document;
import dev.lectern.documents.DocumentCatalog;
import dev.lectern.documents.PromptBuilder;
import dev.lectern.engine.generation.GenerationFailure;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.inference.EngineStatus;
import dev.lectern.inference.EngineUnavailableException;
import dev.lectern.inference.GenerationStream;
import dev.lectern.inference.InferenceService;
import dev.lectern.inference.PromptRequest;
import dev.lectern.quotas.QuotaExceeded;
import dev.lectern.quotas.QuotaGate;
import dev.lectern.quotas.QuotaTicket;

/**
 * Asking a question: checks the conversation and its documents, builds the prompt from stored token ids
 * ({@link ConversationPrompt}), checks it fits the context, submits it to the engine, stores the question
 * and an empty answer, and returns the {@link RunningAnswer} that writes it. Blocking (JDBC, tokenizing a
 * long document): callers run it off the event loop. Every refusal is a {@link ChatProblem} with a code and
 * a message for the person asking; nothing is stored for a refused question.
 */
@Service
class ChatService {

    private static final Logger log = LoggerFactory.getLogger(ChatService.class);

    private final InferenceService inference;
    private final ConversationService conversations;
    private final DocumentCatalog documents;
    private final PromptBuilder prompts;
    private final RunningAnswers running;
    private final QuotaGate quotas;
    private final LecternProperties.Chat settings;
    private final BlockingWork blocking;
    /** Conversations whose question is being prepared: one question at a time per conversation. */
    private final Set<UUID> preparing = ConcurrentHashMap.newKeySet();

    ChatService(InferenceService inference, ConversationService conversations, DocumentCatalog documents,
            PromptBuilder prompts, RunningAnswers running, QuotaGate quotas, LecternProperties properties,
                    BlockingWork blocking) {
        this.inference = inference;
        this.conversations = conversations;
        this.documents = documents;
        this.prompts = prompts;
        this.running = running;
        this.quotas = quotas;
        this.settings = properties.chat();
        this.blocking = blocking;
    }

    long ownerId(String username) {
        return conversations.ownerId(username);
    }

    /**
     * Asks; the answer is registered and attached to {@code reader} (which gets {@code accepted} first) and
     * then started.
     */
    RunningAnswer ask(long ownerId, ClientMessage.Ask ask, AnswerListener reader) {
        UUID conversationId = ask.conversationId();
        try {
            return askOrRefuse(ownerId, ask, reader);
        } catch (ConversationProblem problem) {
            throw new ChatProblem(problem.code(), problem.getMessage(), null, conversationId);
        } catch (ChatProblem problem) {
            throw problem.about(conversationId);
        }
    }

    private RunningAnswer askOrRefuse(long ownerId, ClientMessage.Ask ask, AnswerListener reader) {
        EngineStatus engine = inference.status();
        if (!engine.ready()) {
            throw new ChatProblem("MODEL_NOT_LOADED", engine.message() != null ? engine.message() : switch (engine.state()) {
                case LOADING -> "The model is still loading; ask again in a moment.";
                case STOPPED -> "Lectern is shutting down.";
                default -> "The model is not available (" + engine.state() + ").";
            });
        }
        String question = ask.text().strip();
        if (question.isEmpty()) {
            throw new ChatProblem("EMPTY_QUESTION", "Type a question first.");
        }
        Conversation conversation = ask.conversationId() == null ? null
                : conversations.owned(ownerId, ask.conversationId());
        List<Document> set;
        if (conversation == null) {
            if (ask.replaceLast()) {
                throw new ChatProblem("BAD_MESSAGE", "\"replaceLast\" needs the conversation whose last question it replaces.");
            }
            set = conversations.documentSet(ownerId, ask.documentIds());
        } else {
            if (!conversation.documentsIntact()) {
                throw new ChatProblem("DOCUMENTS_CHANGED", "A document of this conversation was deleted, so it cannot go"
                        + " on as it was. Start a new conversation about the documents you still have.");
            }
            if (!ask.documentIds().isEmpty() && !new HashSet<>(ask.documentIds()).equals(new HashSet<>(conversation.documentIds()))) {
                throw new ChatProblem("DOCUMENTS_FIXED", "A conversation keeps the documents it started with. Start a new"
                        + " conversation to ask about other documents.");
            }
            set = documents.readableBy(ownerId, conversation.documentIds());
        }
        for (Document document : set) {
            if (!document.status().isAskable()) {
                throw notAskable(document);
            }
        }
        UUID reservation = conversation != null ? conversation.id() : null;
        if (reservation != null && (running.inConversation(reservation).isPresent() || !preparing.add(reservation))) {
            throw new ChatProblem("BUSY", "This conversation is still answering; wait for the answer or stop it first.");
        }
        try {
            return submit(ownerId, conversation, set, question, ask, reader);
        } finally {
            if (reservation != null) {
                preparing.remove(reservation);
            }
        }
    }

    private RunningAnswer submit(long ownerId, Conversation conversation, List<Document> set, String question,
            ClientMessage.Ask ask, AnswerListener reader) {
        List<PromptBuilder.PromptDocument> texts = new ArrayList<>(set.size());
        for (Document document : set) {
            String text = documents.text(document.id()).orElseThrow(() -> notAskable(document));
            texts.add(new PromptBuilder.PromptDocument(document, text));
        }
        List<Message> earlier = conversation == null ? List.of() : conversations.messages(conversation.id());
        Long replaceFrom = null;
        if (ask.replaceLast()) {
            Message lastQuestion = earlier.reversed().stream().filter(m -> m.role() == MessageRole.USER).findFirst()
                    .orElseThrow(() -> new ChatProblem("BAD_MESSAGE", "This conversation has no question to replace."));
            replaceFrom = lastQuestion.id();
            long from = replaceFrom;
            earlier = earlier.stream().filter(m -> m.id() < from).toList();
        }
        ConversationPrompt prompt;
        int contextLength;
        try {
            prompt = ConversationPrompt.build(inference.chatTokens(), prompts.systemSegments(texts), earlier, question);
            contextLength = inference.status().contextLength();
        } catch (EngineUnavailableException unavailable) {
            throw new ChatProblem("MODEL_NOT_LOADED", unavailable.getMessage());
        }
        SamplingParameters parameters = parameters(ask.params());
        int answerRoom = Math.min(parameters.maxTokens(), settings.reservedAnswerTokens());
        String misfit = prompt.misfit(answerRoom, contextLength);
        if (misfit != null) {
            throw new ChatProblem("CONTEXT_FULL", misfit);
        }
        parameters = parameters.withMaxTokens(Math.min(parameters.maxTokens(), contextLength - prompt.ids().length));
        QuotaTicket ticket;
        try {
            ticket = quotas.admit(ownerId);
        } catch (QuotaExceeded exceeded) {
            throw new ChatProblem("QUOTA_EXCEEDED", exceeded.getMessage());
        }
        GenerationStream stream;
        try {
            stream = ticket.track(inference.submit(PromptRequest.interactive(prompt.ids(), parameters).forUser(ownerId)));
        } catch (EngineUnavailableException unavailable) {
            ticket.release();
            throw new ChatProblem("MODEL_NOT_LOADED", unavailable.getMessage());
        } catch (GenerationFailure refused) {
            ticket.release();
            throw new ChatProblem(refused.code().name(), refused.getMessage());
        } catch (RuntimeException failure) {
            ticket.release();
            throw failure;
        }
        ConversationService.Exchange exchange;
        try {
            exchange = conversations.beginExchange(ownerId, conversation, set.stream().map(Document::id).toList(),
                    question, prompt.userTurnIds(), replaceFrom);
        } catch (RuntimeException failure) {
            stream.cancel();
            throw failure;
        }
        RunningAnswer answer = new RunningAnswer(Long.toString(stream.requestId()), ownerId,
                exchange.conversation().id(), exchange.answerId(), stream.queuePosition(), prompt.ids().length, stream,
                conversations, settings.detachedAnswerGrace(), running::remove, blocking);
        running.add(answer);
        answer.attach(reader);
        answer.start();
        log.debug("Answer {} in conversation {}: {} prompt tokens ({} documents, {} earlier), {} ahead in the queue",
                answer.requestId(), answer.conversationId(), prompt.ids().length, prompt.systemTokens(),
                prompt.historyTokens(), stream.queuePosition());
        return answer;
    }

    private SamplingParameters parameters(ClientMessage.Params params) {
        try {
            SamplingParameters parameters = SamplingParameters.defaults().withMaxTokens(settings.reservedAnswerTokens());
            if (params.temperature() != null) {
                parameters = params.temperature() == 0 ? SamplingParameters.greedy()
                        .withMaxTokens(parameters.maxTokens()) : parameters.withTemperature(params.temperature());
            }
            if (params.topP() != null) {
                parameters = parameters.withTopP(params.topP());
            }
            if (params.maxTokens() != null) {
                parameters = parameters.withMaxTokens(params.maxTokens());
            }
            if (params.seed() != null) {
                parameters = parameters.withSeed(params.seed());
            }
            return parameters;
        } catch (IllegalArgumentException invalid) {
            throw new ChatProblem("BAD_PARAMS", invalid.getMessage());
        }
    }

    private static ChatProblem notAskable(Document document) {
        String name = "\"" + document.filename() + "\"";
        NumberFormat n = NumberFormat.getIntegerInstance(Locale.ROOT);
        String why = switch (document.status()) {
            case UPLOADED, EXTRACTING, TOKENIZING -> name + " is still being read (" + document.status().code()
                    + "); ask when it is ready.";
            case TOO_LONG -> name + " is too long for the model" + (document.tokenCount() == null ? ""
                    : " (" + n.format(document.tokenCount()) + " tokens)") + ": " + document.error();
            case FAILED -> name + " could not be read: " + document.error();
            default -> name + " is not ready to be asked about (" + document.status().code() + ").";
        };
        return new ChatProblem("DOCUMENT_NOT_READY", why);
    }
}
