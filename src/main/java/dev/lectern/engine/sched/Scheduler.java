package dev.lectern.engine.sched;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.generation.GenerationFailure;
import dev.lectern.engine.generation.GenerationFailure.Code;
import dev.lectern.engine.generation.GenerationRequest;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.generation.GenerationStats;
import dev.lectern.engine.generation.PrefillProgress;
import dev.lectern.engine.generation.Priority;
import dev.lectern.engine.generation.RequestHandle;
import dev.lectern.engine.kv.KvBlockPool;
import dev.lectern.engine.kv.KvPrefix;
import dev.lectern.engine.kv.KvSequence;
import dev.lectern.engine.model.Qwen3Forward;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.sampling.FinishReason;
import dev.lectern.engine.sampling.Sampler;
import dev.lectern.engine.sampling.SamplingWorkspace;
import dev.lectern.engine.sampling.StopCondition;

/**
 * The engine's one thread and its loop: continuous batching with chunked prefill over a shared KV pool.
 * Each step runs, in one forward pass, the decoding row of every running sequence plus a chunk of pending
 * prompt (so a long document never stops others from streaming; while others decode, the
 * {@link PrefillPacer} sizes the chunk so their token gap stays within a factor of a decode-only step),
 * then samples, streams and ends sequences. Requests wait in a bounded queue for one of {@code maxRunning} places; a sequence that cannot
 * get KV blocks waits (and, if every sequence is stuck, the newest gives its blocks back and starts again
 * later), and fails with a "KV memory full" error past {@code kvWaitTimeout}. Cancellation takes effect at
 * the next step and gives the sequence's blocks back, during prefill too.
 *
 * <p>The scheduler thread is the backend's only caller ({@link Backend#confineTo}); it calls listeners
 * directly, so they must not block. Submitting, cancelling and reading stats are thread-safe.
 */
public final class Scheduler implements AutoCloseable {

    private static final System.Logger log = System.getLogger(Scheduler.class.getName());
    /** How long an engine with queued or stalled work sleeps before it looks again (wake-ups come sooner). */
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Weight of the newest step in the prefill-rate estimate behind progress ETAs. */
    private static final double RATE_SMOOTHING = 0.3;

    private final Qwen3Model model;
    private final Backend backend;
    private final KvBlockPool pool;
    private final SchedulerSettings settings;
    private final Thread thread;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Queue<ActiveRequest> incoming = new ConcurrentLinkedQueue<>();
    private final AtomicLong nextId = new AtomicLong(1);
    /** Submitted and not yet admitted: bounded by maxQueued. */
    private final AtomicInteger queued = new AtomicInteger();
    private volatile int runningCount;
    private volatile boolean closing;

    // Engine-thread state.
    private final Deque<ActiveRequest> waitingInteractive = new ArrayDeque<>();
    private final Deque<ActiveRequest> waitingBackground = new ArrayDeque<>();
    private final List<ActiveRequest> running = new ArrayList<>();
    private Qwen3Forward forward;
    private SamplingWorkspace workspace;
    private final PrefillPacer pacer;

    // Statistics, written by the engine thread.
    private volatile long steps;
    private volatile long promptTokens;
    private volatile long cachedPromptTokens;
    private volatile long generatedTokens;
    private volatile double prefillRate;
    private volatile double chunkWithDecoders;
    /** The running sequences after the last step, published by the engine thread for status pages. */
    private volatile List<SequenceStats> sequences = List.of();

    /**
     * Starts the engine thread, which prepares the weights and warms the kernels before it serves
     * ({@link #ready()}); requests submitted meanwhile wait in the queue.
     */
    public Scheduler(Qwen3Model model, Backend backend, KvBlockPool pool, SchedulerSettings settings) {
        this.model = model;
        this.backend = backend;
        this.pool = pool;
        this.settings = settings;
        this.pacer = new PrefillPacer(settings.prefillChunkWithDecoders(), settings.decodeGapFactor());
        this.thread = Thread.ofPlatform().name("lectern-engine").daemon().unstarted(this::run);
        thread.start();
    }

    /** Completes when the weights are prepared and the first request can run; exceptionally if that failed. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    public SchedulerSettings settings() {
        return settings;
    }

    public KvBlockPool pool() {
        return pool;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Queues a request. The prompt's tokens must be model ids; its answer is bounded by the context too.
     *
     * @throws GenerationFailure at once, without queueing, when the queue is full ({@code QUEUE_FULL}), the
     *                           prompt leaves no room for an answer ({@code PROMPT_TOO_LONG}), the prompt
     *                           alone needs more KV than the whole budget ({@code KV_MEMORY_FULL}), or the
     *                           engine is stopping ({@code ENGINE_STOPPED})
     */
    public RequestHandle submit(GenerationRequest request) {
        if (closing) {
            throw new GenerationFailure(Code.ENGINE_STOPPED, "The engine is shutting down.");
        }
        int[] prompt = request.prompt();
        int vocabulary = model.config().vocabularySize();
        for (int token : prompt) {
            if (token < 0 || token >= vocabulary) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + vocabulary + ")");
            }
        }
        if (prompt.length >= settings.contextLength()) {
            throw new GenerationFailure(Code.PROMPT_TOO_LONG, "The prompt has " + prompt.length + " tokens but the"
                    + " context holds " + settings.contextLength() + ", with room needed for at least one generated"
                    + " token: it is " + (prompt.length - settings.contextLength() + 1) + " tokens too long.");
        }
        int blocks = pool.layout().blocksFor(prompt.length + 1L);
        if (blocks > pool.capacity()) {
            throw new GenerationFailure(Code.KV_MEMORY_FULL, String.format("The prompt needs %.0f MB of KV cache"
                    + " memory but the whole budget is %.0f MB (lectern.cache.ram-bytes); raise it or shorten the prompt.",
                    blocks * (double) pool.layout().blockBytes() / 1e6, pool.capacity() * (double) pool.layout().blockBytes() / 1e6));
        }
        if (request.prefix() != null && request.prefix().pool() != pool) {
            throw new IllegalArgumentException("the cached prefix belongs to another engine's KV pool");
        }
        int ahead = queued.getAndIncrement();
        if (ahead >= settings.maxQueued()) {
            queued.decrementAndGet();
            throw new GenerationFailure(Code.QUEUE_FULL, "The engine is busy: " + ahead + " requests are already"
                    + " waiting. Try again in a moment.");
        }
        int maxTokens = Math.min(request.parameters().maxTokens(), settings.contextLength() - prompt.length);
        int position = Math.max(0, ahead - Math.max(0, settings.maxRunning() - runningCount));
        ActiveRequest active = new ActiveRequest(nextId.getAndIncrement(), request, position, maxTokens, this::wake);
        request.cancellation().onCancel(this::wake);
        incoming.add(active);
        wake();
        if (closing && incoming.remove(active)) {
            queued.decrementAndGet();
            throw new GenerationFailure(Code.ENGINE_STOPPED, "The engine is shutting down.");
        }
        return active;
    }

    /** A consistent-enough snapshot for status pages; safe from any thread. */
    public SchedulerStats stats() {
        return new SchedulerStats(runningCount, queued.get(), steps, promptTokens, cachedPromptTokens, generatedTokens,
                prefillRate, chunkWithDecoders, pool.stats());
    }

    /** The sequences running after the engine's last step; safe from any thread. */
    public List<SequenceStats> sequences() {
        return sequences;
    }

    /** One small list per step: what the admin page shows of each sequence's KV. */
    private void publishSequences() {
        if (running.isEmpty()) {
            if (!sequences.isEmpty()) {
                sequences = List.of();
            }
            return;
        }
        List<SequenceStats> now = new ArrayList<>(running.size());
        long blockBytes = pool.layout().blockBytes();
        for (ActiveRequest active : running) {
            int blocks = active.kv == null ? 0 : active.kv.blockCount();
            now.add(new SequenceStats(active.id, active.request.priority(), active.promptLength(), active.cachedTokens,
                    active.generated, active.kv == null ? 0 : active.kv.length(), blocks,
                    active.kv == null ? 0 : active.kv.sharedBlockCount(), blocks * blockBytes));
        }
        sequences = List.copyOf(now);
    }

    private void wake() {
        LockSupport.unpark(thread);
    }

    private void run() {
        try {
            backend.confineTo(Thread.currentThread());
            forward = new Qwen3Forward(model, backend);
            backend.warmUp();
            workspace = new SamplingWorkspace(model.config().vocabularySize());
            ready.complete(null);
        } catch (Throwable failure) {
            log.log(Level.ERROR, "The engine could not start", failure);
            ready.completeExceptionally(failure);
            closing = true;
        }
        while (!closing) {
            try {
                step();
            } catch (Throwable unexpected) {
                // A bug in the loop itself: fail what runs, keep serving the rest.
                log.log(Level.ERROR, "The engine step failed; its " + running.size() + " sequences end with an error",
                        unexpected);
                for (ActiveRequest active : List.copyOf(running)) {
                    fail(active, new GenerationFailure(Code.ENGINE_ERROR, "The engine failed while answering ("
                            + unexpected + "); the server log has the details.", unexpected));
                }
            }
        }
        GenerationFailure stopped = new GenerationFailure(Code.ENGINE_STOPPED, "The engine shut down before the"
                + " request finished.");
        acceptIncoming();
        for (ActiveRequest active : List.copyOf(running)) {
            fail(active, stopped);
        }
        for (Deque<ActiveRequest> waiting : List.of(waitingInteractive, waitingBackground)) {
            while (!waiting.isEmpty()) {
                queued.decrementAndGet();
                fail(waiting.poll(), stopped);
            }
        }
    }

    private void step() {
        acceptIncoming();
        long now = System.nanoTime();
        endCancelledAndExpired(now);
        admit(now);
        publishSequences();
        if (running.isEmpty()) {
            if (waitingInteractive.isEmpty() && waitingBackground.isEmpty() && incoming.isEmpty()) {
                LockSupport.park(this);
            }
            return;
        }
        StepPlan plan = plan(now);
        if (plan.isEmpty()) {
            resolveStall();
            return;
        }
        execute(plan);
    }

    private void acceptIncoming() {
        ActiveRequest next;
        while ((next = incoming.poll()) != null) {
            (next.request.priority() == Priority.INTERACTIVE ? waitingInteractive : waitingBackground).add(next);
        }
    }

    private void endCancelledAndExpired(long now) {
        for (Deque<ActiveRequest> waiting : List.of(waitingInteractive, waitingBackground)) {
            waiting.removeIf(active -> {
                if (active.request.cancellation().isCancelled()) {
                    queued.decrementAndGet();
                    finish(active, FinishReason.CANCELLED);
                    return true;
                }
                return false;
            });
        }
        long timeout = settings.kvWaitTimeout().toNanos();
        for (ActiveRequest active : List.copyOf(running)) {
            if (active.request.cancellation().isCancelled()) {
                finish(active, FinishReason.CANCELLED);
            } else if (active.stalledSince >= 0 && now - active.stalledSince > timeout) {
                fail(active, kvMemoryFull(active, "stayed full for " + settings.kvWaitTimeout().toSeconds() + " s"));
            }
        }
    }

    private void admit(long now) {
        while (running.size() < settings.maxRunning()) {
            ActiveRequest next = waitingInteractive.isEmpty() ? waitingBackground.poll() : waitingInteractive.poll();
            if (next == null) {
                return;
            }
            queued.decrementAndGet();
            start(next, now);
        }
    }

    private void start(ActiveRequest active, long now) {
        GenerationRequest request = active.request;
        try {
            active.kv = newSequence(active);
        } catch (RuntimeException released) {
            fail(active, new GenerationFailure(Code.ENGINE_ERROR, "The cached prefix this request starts from was"
                    + " released before it ran (" + released.getMessage() + ").", released));
            return;
        }
        active.cachedTokens = Math.min(active.kv.length(), active.promptLength());
        active.sampler = new Sampler(request.parameters(), workspace);
        active.sampler.observe(request.prompt());
        active.stop = StopCondition.of(request.parameters().withMaxTokens(active.maxTokens), request.stopTokenIds());
        active.decoder = model.tokenizer().streamingDecoder();
        active.admittedNanos = now;
        running.add(active);
        runningCount = running.size();
        promptTokens += active.promptLength();
        cachedPromptTokens += active.cachedTokens;
        if (notify(active, () -> request.listener().onStarted(active.cachedTokens))) {
            progress(active);
        }
    }

    /**
     * A KV sequence for the request's tokens (its prompt, and what it generated if it was preempted) that
     * starts with every leading block the cache holds: the prefix the request brought, or what a lookup of
     * its tokens finds (any user's, any conversation's).
     */
    private KvSequence newSequence(ActiveRequest active) {
        KvPrefix given = active.request.prefix();
        KvPrefix found = given == null ? pool.lookup(Arrays.copyOf(active.tokens, active.tokenCount)) : null;
        KvPrefix prefix = given != null ? given : found;
        if (given != null) {
            pool.countQuery(active.tokenCount, Math.min(given.length(), active.tokenCount));
        }
        if (prefix == null) {
            return pool.newSequence(settings.contextLength());
        }
        KvSequence sequence;
        try {
            sequence = pool.newSequence(settings.contextLength(), prefix);
        } finally {
            if (found != null) {
                found.close();
            }
        }
        if (sequence.length() >= active.tokenCount) {
            // Everything is cached, but sampling needs the logits after the last token: read that one again.
            sequence.truncate(active.tokenCount - 1);
        }
        return sequence;
    }

    /**
     * Decoding rows first (every streaming user advances each step), then prefill chunks within the step's
     * budget, interactive before background. Every row's KV positions are reserved before the step runs,
     * so the forward pass never runs out of blocks; a sequence that cannot reserve waits this step.
     */
    private StepPlan plan(long now) {
        StepPlan plan = new StepPlan();
        int decoding = 0;
        for (ActiveRequest active : running) {
            if (active.isDecoding()) {
                decoding++;
                if (active.kv.reserve(active.kv.length() + 1)) {
                    plan.add(active, 1);
                } else {
                    stalled(active, now);
                }
            }
        }
        int budget = decoding > 0 ? pacer.budget() : settings.prefillChunk();
        List<ActiveRequest> prefilling = new ArrayList<>();
        for (ActiveRequest active : running) {
            if (!active.isDecoding()) {
                prefilling.add(active);
            }
        }
        prefilling.sort(Comparator.comparing((ActiveRequest active) -> active.request.priority()));
        for (ActiveRequest active : prefilling) {
            if (budget == 0) {
                break;
            }
            int rows = reservePrefill(active, Math.min(active.remaining(), budget), decoding);
            if (rows > 0) {
                plan.add(active, rows);
                budget -= rows;
            } else {
                stalled(active, now);
            }
        }
        return plan;
    }

    /**
     * Reserves up to {@code wanted} prompt rows, fewer if the pool is short, keeping one free block per
     * decoding sequence so that streaming answers are not starved by a long prompt; returns the rows.
     */
    private int reservePrefill(ActiveRequest active, int wanted, int decoding) {
        for (int rows = wanted; rows >= 1; rows = rows == 1 ? 0 : Math.max(1, rows / 2)) {
            int end = active.kv.length() + rows;
            if (pool.freeBlocks() - active.kv.blocksNeededFor(end) >= decoding && active.kv.reserve(end)) {
                return rows;
            }
        }
        return 0;
    }

    private void stalled(ActiveRequest active, long now) {
        if (active.stalledSince < 0) {
            active.stalledSince = now;
            log.log(Level.DEBUG, "Request {0} waits for KV memory ({1} of {2} blocks in use)", active.id,
                    pool.stats().usedBlocks(), pool.capacity());
        }
    }

    /**
     * No sequence could get the blocks for a single row. If several hold blocks, the newest (background
     * first) gives them back and will encode again later, so the others can finish; if one sequence alone
     * holds everything in use and still cannot grow, it needs more than the whole budget and fails now.
     */
    private void resolveStall() {
        List<ActiveRequest> holders = new ArrayList<>();
        for (ActiveRequest active : running) {
            if (active.kv.blockCount() > 0) {
                holders.add(active);
            }
        }
        if (holders.size() > 1) {
            ActiveRequest victim = holders.stream()
                    .max(Comparator.comparing((ActiveRequest active) -> active.request.priority())
                            .thenComparingLong(active -> active.admittedNanos))
                    .orElseThrow();
            log.log(Level.INFO, "KV memory is full ({0} blocks): request {1} gives back its {2} blocks and will encode"
                    + " its {3} tokens again", pool.capacity(), victim.id, victim.kv.blockCount(), victim.tokenCount);
            victim.kv.close();
            victim.kv = newSequence(victim);
            return;
        }
        if (holders.size() == 1 && pool.stats().usedBlocks() == holders.getFirst().kv.blockCount()) {
            ActiveRequest alone = holders.getFirst();
            fail(alone, kvMemoryFull(alone, "cannot hold this conversation even with nothing else in it"));
            return;
        }
        // Blocks are held outside the batch (cached prefixes): wait for their release or the timeout.
        LockSupport.parkNanos(this, IDLE_POLL_NANOS);
    }

    private GenerationFailure kvMemoryFull(ActiveRequest active, String why) {
        return new GenerationFailure(Code.KV_MEMORY_FULL, String.format("KV cache memory is full: the %.0f MB budget"
                        + " (lectern.cache.ram-bytes) %s, while this request needed room for %d tokens. Try again when"
                        + " other answers have finished, or raise the budget.", pool.capacity()
                        * (double) pool.layout().blockBytes() / 1e6, why, active.tokenCount + 1));
    }

    private void execute(StepPlan plan) {
        long started = System.nanoTime();
        float[] logits;
        try {
            logits = forward.forward(plan.tokens(), plan.positions(), plan.sequences(), plan.logitRows());
        } catch (RuntimeException | OutOfMemoryError failure) {
            log.log(Level.ERROR, "A forward step of " + plan.rows() + " rows failed", failure);
            for (ActiveRequest active : plan.requests()) {
                fail(active, new GenerationFailure(Code.ENGINE_ERROR, "The engine failed while answering (" + failure
                        + "); the server log has the details.", failure));
            }
            return;
        }
        long finished = System.nanoTime();
        steps++;
        int prefillRows = plan.prefillRows();
        if (plan.rows() > prefillRows) {
            if (prefillRows == 0) {
                pacer.decodeOnlyStep(finished - started);
            } else {
                pacer.mixedStep(prefillRows, finished - started);
            }
            chunkWithDecoders = pacer.chunk();
        }
        if (prefillRows > 0) {
            double rate = prefillRows * 1e9 / Math.max(1, finished - started);
            prefillRate = prefillRate == 0 ? rate : prefillRate + RATE_SMOOTHING * (rate - prefillRate);
        }
        int vocabulary = model.config().vocabularySize();
        List<ActiveRequest> requests = plan.requests();
        int[] logitIndex = plan.logitIndex();
        for (int i = 0; i < requests.size(); i++) {
            ActiveRequest active = requests.get(i);
            active.stalledSince = -1;
            active.kv.registerFullBlocks(active.tokens);
            if (logitIndex[i] >= 0) {
                sampleNext(active, logits, logitIndex[i] * vocabulary, finished);
            } else {
                progress(active);
            }
        }
    }

    private void sampleNext(ActiveRequest active, float[] logits, int offset, long now) {
        if (!active.promptEncoded) {
            active.promptEncoded = true;
            active.prefillDoneNanos = now;
            if (!progress(active)) {
                return;
            }
        }
        int token = active.sampler.sample(logits, offset);
        active.append(token);
        generatedTokens++;
        if (active.generated == 1) {
            active.firstTokenNanos = now;
        }
        active.lastTokenNanos = now;
        FinishReason reason = active.stop.accept(token, active.stop.isStopToken(token) ? "" : active.decoder.accept(token));
        String text = active.stop.takeText();
        active.shown.append(text);
        long elapsed = now - active.submittedNanos;
        if (notify(active, () -> active.request.listener().onToken(token, text, elapsed)) && reason != null) {
            finish(active, reason);
        }
    }

    /** Tells the listener how far the prompt is; false if the listener failed and the request ended. */
    private boolean progress(ActiveRequest active) {
        int total = active.promptLength();
        int done = Math.min(active.kv.length(), total);
        if (active.promptEncoded && done < total) {
            return true;
        }
        long eta = done == total ? 0 : prefillRate > 0 ? (long) ((total - done) * 1e9 / prefillRate) : -1;
        PrefillProgress progress = new PrefillProgress(done, total, eta);
        return notify(active, () -> active.request.listener().onProgress(progress));
    }

    private void finish(ActiveRequest active, FinishReason reason) {
        String rest = active.stop == null ? ""
                : active.stop.takeText() + (reason == FinishReason.STOP_STRING ? "" : active.decoder.flush());
        long now = System.nanoTime();
        if (!rest.isEmpty()) {
            active.shown.append(rest);
            notify(active, () -> active.request.listener().onToken(-1, rest, now - active.submittedNanos));
        }
        KvPrefix kept = null;
        if (active.kv != null) {
            if (active.request.keepKv() && reason != FinishReason.CANCELLED) {
                kept = active.kv.sharePrefix(active.encodedTokens());
            }
            active.kv.close();
        }
        running.remove(active);
        runningCount = running.size();
        long admitted = active.admittedNanos > 0 ? active.admittedNanos : now;
        GenerationStats stats = new GenerationStats(active.promptLength(), active.cachedTokens,
                active.generated, admitted - active.submittedNanos,
                active.generated > 0 ? active.firstTokenNanos - active.submittedNanos : 0,
                active.prefillDoneNanos > 0 ? active.prefillDoneNanos - admitted : 0,
                active.generated > 0 ? active.lastTokenNanos - active.firstTokenNanos : 0,
                reason, active.sampler != null ? active.sampler.seed() : 0);
        GenerationResult result = new GenerationResult(active.shown.toString(), active.generatedTokens(), stats, kept);
        KvPrefix keptPrefix = kept;
        notify(active, () -> active.request.listener().onFinished(result));
        if (!active.result().complete(result) && keptPrefix != null) {
            keptPrefix.close();
        }
    }

    private void fail(ActiveRequest active, GenerationFailure failure) {
        if (active.kv != null) {
            active.kv.close();
        }
        running.remove(active);
        runningCount = running.size();
        try {
            active.request.listener().onFailed(failure);
        } catch (RuntimeException listenerFailure) {
            log.log(Level.WARNING, "A listener failed while told of request " + active.id + "'s failure", listenerFailure);
        }
        active.result().completeExceptionally(failure);
    }

    /**
     * Calls a listener; if it throws, the request ends (failed) and its blocks go back, so a broken or
     * disconnected client never stalls the engine. Returns whether the request goes on.
     */
    private boolean notify(ActiveRequest active, Runnable call) {
        try {
            call.run();
            return true;
        } catch (RuntimeException listenerFailure) {
            log.log(Level.WARNING, "The listener of request " + active.id + " failed; the request ends", listenerFailure);
            fail(active, new GenerationFailure(Code.ENGINE_ERROR, "The request's listener failed: " + listenerFailure,
                    listenerFailure));
            return false;
        }
    }

    /**
     * Stops the engine thread after its current step: queued and running requests fail with
     * {@code ENGINE_STOPPED} and give their blocks back. The backend and pool stay open (their owner closes them).
     */
    @Override
    public void close() {
        closing = true;
        wake();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
