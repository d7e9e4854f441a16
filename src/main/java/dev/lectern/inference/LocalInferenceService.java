package dev.lectern.inference;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Service;

import dev.lectern.config.LecternProperties;
import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.chat.ChatTokens;
import dev.lectern.engine.cpu.CpuBackend;
import dev.lectern.engine.generation.Cancellation;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.PrefillProgress;
import dev.lectern.engine.generation.GenerationRequest;
import dev.lectern.engine.generation.RequestHandle;
import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.kv.KvBlockPool;
import dev.lectern.engine.kv.KvFingerprint;
import dev.lectern.engine.kv.KvPoolStats;
import dev.lectern.engine.kv.KvPrefix;
import dev.lectern.engine.kv.KvLayout;
import dev.lectern.engine.model.Qwen3Config;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.model.Qwen3Weights;
import dev.lectern.engine.sampling.StopCondition;
import dev.lectern.engine.sched.Scheduler;
import dev.lectern.engine.sched.SchedulerSettings;
import dev.lectern.engine.sched.SequenceStats;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * The in-JVM engine of the app: when {@code lectern.model.path} is set, loads the model at start-up on a
 * background thread (the server answers meanwhile, and the status page shows "loading"), creates the CPU
 * backend, the KV block pool within its budget and the scheduler, and serves every request through them
 * until shutdown. Without a model the app still runs: uploads extract, and asking says how to configure
 * one.
 */
@Service
public class LocalInferenceService implements InferenceService, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LocalInferenceService.class);

    private final LecternProperties properties;
    private volatile EngineState state = EngineState.NOT_CONFIGURED;
    private volatile String problem;
    private volatile Engine engine;
    private volatile boolean running;
    /** Counts starts and stops, so a load finishing after a stop knows it is stale. Guarded by this. */
    private long epoch;

    /** Everything a loaded model holds, closed together; {@code store} is null without a database. */
    private record Engine(Qwen3Model model, CpuBackend backend, KvBlockPool pool, Scheduler scheduler, KvBudget budget,
                          Set<Integer> stopTokens, double loadSeconds, EngineStatus.ModelShape shape, PrefixStore store) {
    }

    private final CacheEntryRepository cacheEntries;
    private final ApplicationEventPublisher events;
    private final RequestMetrics metrics;

    /** An engine without named cache entries or a disk tier (for tools and tests without a database). */
    public LocalInferenceService(LecternProperties properties) {
        this(properties, null, event -> { }, RequestMetrics.NONE);
    }

    @org.springframework.beans.factory.annotation.Autowired
    public LocalInferenceService(LecternProperties properties, CacheEntryRepository cacheEntries,
                                 ApplicationEventPublisher events, RequestMetrics metrics) {
        this.properties = properties;
        this.cacheEntries = cacheEntries;
        this.events = events;
        this.metrics = metrics;
        if (!properties.model().isConfigured()) {
            problem = "No model is configured. Set LECTERN_MODEL_PATH (lectern.model.path) to a Qwen3 GGUF file, e.g."
                    + " Qwen3-4B-Instruct-2507-Q4_K_M.gguf, and restart Lectern.";
        }
    }

    /**
     * Loads the model in the background. Called at start-up, and again after {@link #stop} when a context
     * is restarted (the test framework pauses idle contexts): each start is an epoch, and a load that ends
     * after its epoch is over closes what it loaded.
     */
    @Override
    public synchronized void start() {
        running = true;
        long mine = ++epoch;
        if (!properties.model().isConfigured()) {
            state = EngineState.NOT_CONFIGURED;
            log.warn("No model configured: set LECTERN_MODEL_PATH to a Qwen3 GGUF file to answer questions");
            return;
        }
        state = EngineState.LOADING;
        problem = null;
        Thread.ofPlatform().name("lectern-model-loader").daemon().start(() -> load(mine));
    }

    private void load(long mine) {
        Path path = properties.model().path().toAbsolutePath();
        long started = System.nanoTime();
        Qwen3Model model = null;
        CpuBackend backend = null;
        KvBlockPool pool = null;
        try {
            long modelBytes = Files.size(path);
            log.info("Loading the model {} ({})", path, KvBudget.human(modelBytes));
            model = Qwen3Model.load(path);
            LecternProperties.Engine settings = properties.engine();
            backend = new CpuBackend(settings.effectiveThreads());
            log.info("Engine kernels: {}", backend.kernelsDescription());
            Qwen3Config config = model.config();
            KvLayout layout = new KvLayout(config.blockCount(), config.kvWidth(), KvLayout.DEFAULT_BLOCK_SIZE,
                    settings.kvType());
            KvBudget budget = KvBudget.resolve(properties.cache().ramBytes(), modelBytes);
            KvFingerprint fingerprint = KvFingerprint.of(model.fingerprint(), layout);
            pool = new KvBlockPool(layout, budget.bytes(), fingerprint.bytes());
            int context = Math.min(properties.model().contextLength(), config.contextLength());
            if (context < properties.model().contextLength()) {
                log.warn("lectern.model.context-length is {} but the model was trained for {}; using {}",
                        properties.model().contextLength(), config.contextLength(), context);
            }
            SchedulerSettings schedule = new SchedulerSettings(context, settings.maxRunning(), settings.maxQueued(),
                    settings.prefillChunk(), settings.prefillChunkWhileDecoding(), settings.decodeGapFactor(),
                    settings.kvWaitTimeout());
            Scheduler scheduler = new Scheduler(model, backend, pool, schedule);
            scheduler.ready().join();
            Set<Integer> stopTokens = StopCondition.chatStopTokenIds(model.tokenizer().vocabulary());
            PrefixStore store = null;
            if (cacheEntries != null) {
                store = new PrefixStore(pool, fingerprint, properties.dataDir().resolve("kv-cache"),
                        properties.cache().diskBudgetBytes(), cacheEntries, scheduler, stopTokens,
                        key -> events.publishEvent(new PrefixDeleted(key, true)), metrics);
                store.open();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Engine ready = new Engine(model, backend, pool, scheduler, budget, stopTokens, seconds, shape(model), store);
            synchronized (this) {
                if (!running || epoch != mine) {
                    log.info("The model finished loading after the engine was stopped; closing it");
                    close(ready);
                    return;
                }
                engine = ready;
                state = EngineState.READY;
                problem = null;
                notifyAll();
            }
            events.publishEvent(new EngineReady(path.toString()));
            log.info(String.format(Locale.ROOT, "Model ready in %.1f s: %s, %d layers; backend %s; context %d tokens;"
                            + " KV cache %s in %s (%.0f positions at full budget; %s)", seconds, path.getFileName(),
                    config.blockCount(), backend.name(), context, settings.kvType(), KvBudget.human(budget.bytes()),
                    budget.bytes() / (double) layout.bytesPerPosition(), budget.explanation()));
        } catch (Throwable failure) {
            String why = describeLoadFailure(path, failure);
            synchronized (this) {
                if (epoch == mine) {
                    problem = why;
                    state = EngineState.FAILED;
                    notifyAll();
                }
            }
            log.error("The model could not be loaded: {}", why, failure);
            if (pool != null) {
                pool.close();
            }
            if (backend != null) {
                backend.close();
            }
            if (model != null) {
                model.close();
            }
        }
    }

    private static String describeLoadFailure(Path path, Throwable failure) {
        Throwable cause = failure.getCause() != null && failure instanceof java.util.concurrent.CompletionException
                ? failure.getCause() : failure;
        if (cause instanceof NoSuchFileException) {
            return "The model file " + path + " (LECTERN_MODEL_PATH) does not exist.";
        }
        if (cause instanceof OutOfMemoryError) {
            return "Loading the model " + path + " ran out of memory (" + cause.getMessage() + "); give the JVM more"
                    + " heap (LECTERN_JAVA_OPTS=-Xmx...) or use a smaller model.";
        }
        return "The model file " + path + " could not be loaded: " + cause.getMessage();
    }

    private static EngineStatus.ModelShape shape(Qwen3Model model) {
        Qwen3Config config = model.config();
        Qwen3Weights weights = model.weights();
        List<WeightTensor> matrices = new ArrayList<>();
        matrices.add(weights.tokenEmbedding());
        if (!config.tiedEmbeddings()) {
            matrices.add(weights.outputHead());
        }
        for (Qwen3Weights.Layer layer : weights.layers()) {
            matrices.addAll(List.of(layer.query(), layer.key(), layer.value(), layer.attentionOutput(), layer.gate(),
                    layer.up(), layer.down()));
        }
        Map<GgmlType, Integer> types = new EnumMap<>(GgmlType.class);
        for (WeightTensor matrix : matrices) {
            types.merge(matrix.type(), 1, Integer::sum);
        }
        String typeSummary = types.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
        return new EngineStatus.ModelShape(config.blockCount(), config.embeddingLength(), config.headCount(),
                config.headCountKv(), config.keyLength(), config.feedForwardLength(), config.vocabularySize(),
                config.contextLength(), typeSummary, model.chatTemplate().thinkingMode().name().toLowerCase(Locale.ROOT));
    }

    @Override
    public EngineStatus status() {
        Engine loaded = engine;
        LecternProperties.Model model = properties.model();
        String file = model.isConfigured() ? model.path().toAbsolutePath().toString() : null;
        if (loaded == null || state != EngineState.READY) {
            return new EngineStatus(state, problem, file, 0, 0, null, null, null,
                    properties.engine().effectiveThreads(), model.contextLength(),
                    properties.engine().kvType().name(), null, null, null, null);
        }
        long bytes = fileSize(loaded.model().path());
        KvPoolStats pool = loaded.pool().stats();
        return new EngineStatus(state, null, file, bytes, loaded.loadSeconds(), loaded.shape(), loaded.backend().name(),
                loaded.backend().kernelsDescription(), loaded.backend().threads(),
                loaded.scheduler().settings().contextLength(), loaded.pool().layout().dataType().name(),
                loaded.budget(), pool, loaded.scheduler().stats(), prefixCache(loaded.store(), pool));
    }

    private static PrefixCacheStatus prefixCache(PrefixStore store, KvPoolStats pool) {
        if (store == null) {
            return null;
        }
        PrefixStore.Totals totals = store.totals();
        long disk = Math.min(totals.diskHitTokens(), pool.hitTokens());
        return new PrefixCacheStatus(pool.queriedTokens(), pool.hitTokens(), pool.hitTokens() - disk, disk,
                totals.diskLoads(), totals.entries(), totals.pinnedRamBytes(), totals.diskBytes(),
                totals.diskBudgetBytes());
    }

    private static long fileSize(Path path) {
        try {
            return Files.size(path);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    @Override
    public int[] encodeChat(List<ChatMessage> messages, boolean thinking) {
        Qwen3Model model = loaded().model();
        return model.chatTemplate().encodeForGeneration(messages, thinking, model.tokenizer());
    }

    @Override
    public ChatTokens chatTokens() {
        Qwen3Model model = loaded().model();
        return new ChatTokens(model.chatTemplate(), model.tokenizer());
    }

    @Override
    public EngineStatus awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (state == EngineState.LOADING) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return status();
    }

    @Override
    public int[] encodeText(String text) {
        return loaded().model().tokenizer().encode(text, false);
    }

    @Override
    public GenerationStream submit(PromptRequest request) {
        Engine loaded = loaded();
        long submitted = System.nanoTime();
        Cancellation cancellation = new Cancellation();
        StreamingListener listener = new StreamingListener(cancellation);
        KvPrefix cached = loaded.store() != null ? loaded.store().warm(request.promptTokens()) : null;
        RequestHandle handle;
        try {
            handle = loaded.scheduler().submit(new GenerationRequest(request.promptTokens(), request.parameters(),
                    loaded.stopTokens(), request.priority(), cached, false, listener, cancellation));
        } catch (RuntimeException refused) {
            if (cached != null) {
                cached.close();
            }
            throw refused;
        }
        Long user = request.userId();
        handle.result().whenComplete((result, failure) -> {
            if (cached != null) {
                cached.close();
            }
            if (failure != null) {
                metrics.requestFailed(user, System.nanoTime() - submitted);
            } else {
                metrics.requestFinished(user, result.stats(), System.nanoTime() - submitted);
            }
        });
        Runnable cancel = () -> cancellation.cancel("the client went away");
        return new GenerationStream(handle.id(), handle.queuePosition(), listener.sink().asFlux().doOnCancel(cancel),
                cancel);
    }

    private Engine loaded() {
        Engine loaded = engine;
        if (loaded == null || state != EngineState.READY) {
            throw new EngineUnavailableException(switch (state) {
                case LOADING -> "The model is still loading; try again in a moment.";
                case STOPPED -> "Lectern is shutting down.";
                default -> problem;
            });
        }
        return loaded;
    }

    @Override
    public synchronized void stop() {
        running = false;
        epoch++;
        EngineState was = state;
        state = EngineState.STOPPED;
        notifyAll();
        Engine loaded = engine;
        engine = null;
        if (loaded != null) {
            close(loaded);
        } else if (was == EngineState.LOADING) {
            log.info("Stopping while the model loads; it is closed when loading ends");
        }
    }

    @Override
    public List<SequenceStats> sequences() {
        Engine loaded = engine;
        return loaded == null ? List.of() : loaded.scheduler().sequences();
    }

    @Override
    public String prefixKey(int[] tokens) {
        return store().keyOf(tokens);
    }

    @Override
    public CompletableFuture<PrefixInfo> encodePrefix(int[] tokens, String label, Consumer<GenerationEvent.Progress> progress) {
        return store().encode(tokens, label, new GenerationListener() {
            @Override
            public void onProgress(PrefillProgress update) {
                progress.accept(new GenerationEvent.Progress(update.done(), update.total(),
                        update.etaNanos() < 0 ? -1 : update.etaNanos() / 1e9));
            }

            @Override
            public void onToken(int token, String text, long elapsedNanos) {
            }
        });
    }

    @Override
    public Optional<PrefixInfo> prefix(String key) {
        Engine loaded = engine;
        return loaded == null || loaded.store() == null ? Optional.empty() : loaded.store().info(key);
    }

    @Override
    public List<PrefixInfo> prefixes() {
        Engine loaded = engine;
        return loaded == null || loaded.store() == null ? List.of() : loaded.store().list();
    }

    @Override
    public Optional<PrefixInfo> setPinned(String key, boolean pinned) {
        return store().setPinned(key, pinned);
    }

    @Override
    public Optional<PrefixInfo> evictFromRam(String key) {
        return store().evictFromRam(key);
    }

    @Override
    public void deletePrefix(String key) {
        Engine loaded = engine;
        if (loaded != null && loaded.store() != null) {
            loaded.store().delete(key);
        }
    }

    private PrefixStore store() {
        PrefixStore store = loaded().store();
        if (store == null) {
            throw new EngineUnavailableException("This engine keeps no named prefixes (it runs without a database).");
        }
        return store;
    }

    private static void close(Engine loaded) {
        loaded.scheduler().close();
        if (loaded.store() != null) {
            loaded.store().close();
        }
        loaded.pool().close();
        loaded.backend().close();
        loaded.model().close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
