package dev.lectern.engine.sched;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.generation.Cancellation;
import dev.lectern.engine.generation.GenerationFailure;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.GenerationRequest;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.generation.Priority;
import dev.lectern.engine.generation.RequestHandle;
import dev.lectern.engine.kv.KvBlockPool;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.KvLayout;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.engine.sampling.StopCondition;

/**
 * Generation as a blocking call, for the command line and tests: a {@link Scheduler} of its own, with a
 * KV pool that holds one full context, so a request here takes exactly the path the server's do (one
 * engine thread, chunked prefill, the same sampling and streaming). Close it to stop its engine thread;
 * the model and backend stay open.
 */
public final class Generator implements AutoCloseable {

    private final Qwen3Model model;
    private final KvBlockPool pool;
    private final Scheduler scheduler;
    private final Set<Integer> stopTokenIds;

    public Generator(Qwen3Model model, Backend backend, int contextLength, KvDataType kvDataType) {
        this(model, backend, SchedulerSettings.defaults(contextLength).withMaxRunning(1), kvDataType, 1);
    }

    /**
     * @param sequences how many full contexts the KV pool holds (the most sequences that can run at once
     *                  at full length)
     */
    public Generator(Qwen3Model model, Backend backend, SchedulerSettings settings, KvDataType kvDataType, int sequences) {
        if (settings.contextLength() < 1) {
            throw new IllegalArgumentException("the context length must be positive, got " + settings.contextLength());
        }
        this.model = model;
        KvLayout layout = new KvLayout(model.config().blockCount(), model.config().kvWidth(),
                KvLayout.DEFAULT_BLOCK_SIZE, kvDataType);
        this.pool = KvBlockPool.ofBlocks(layout, Math.multiplyExact(sequences, layout.blocksFor(settings.contextLength())));
        this.scheduler = new Scheduler(model, backend, pool, settings);
        this.stopTokenIds = StopCondition.chatStopTokenIds(model.tokenizer().vocabulary());
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** The model's chat stop tokens, which end every request of {@link #generate}. */
    public Set<Integer> stopTokenIds() {
        return stopTokenIds;
    }

    /**
     * Renders the conversation with the model's chat template (only the template's own markers become
     * control tokens) and generates the assistant's answer.
     */
    public GenerationResult chat(List<ChatMessage> messages, boolean thinking, SamplingParameters parameters,
                                 GenerationListener listener, Cancellation cancellation) {
        int[] prompt = model.chatTemplate().encodeForGeneration(messages, thinking, model.tokenizer());
        return generate(prompt, parameters, listener, cancellation);
    }

    /**
     * Generates a continuation of {@code prompt}, stopping at the chat stop tokens; blocks until it ends.
     *
     * @throws GenerationFailure when the engine refuses or fails the request (e.g. a prompt longer than the
     *                           context: {@code PROMPT_TOO_LONG})
     */
    public GenerationResult generate(int[] prompt, SamplingParameters parameters, GenerationListener listener,
                                     Cancellation cancellation) {
        return run(new GenerationRequest(prompt, parameters, stopTokenIds, Priority.INTERACTIVE,
                null, false, listener, cancellation));
    }

    /** Submits {@code request} and waits for its result; an interrupt cancels it. */
    public GenerationResult run(GenerationRequest request) {
        RequestHandle handle = scheduler.submit(request);
        try {
            return handle.result().get();
        } catch (InterruptedException interrupted) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while generating");
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof GenerationFailure failure) {
                throw failure;
            }
            throw new IllegalStateException("generation failed", failed.getCause());
        }
    }

    @Override
    public void close() {
        scheduler.close();
        pool.close();
    }
}
