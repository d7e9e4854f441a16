package dev.lectern.inference;

import dev.lectern.engine.kv.KvPoolStats;
import dev.lectern.engine.sched.SchedulerStats;

/**
 * The engine as an operator sees it: state (and, when it is not serving, why and what to do), the model,
 * the backend and its kernels, the KV budget and pool, the scheduler's load and the prefix cache (null without a database). Fields that do not apply
 * yet (a model still loading) are null or zero.
 */
public record EngineStatus(
        EngineState state,
        String message,
        String modelFile,
        long modelBytes,
        double loadSeconds,
        ModelShape shape,
        String backend,
        String kernels,
        int threads,
        int contextLength,
        String kvType,
        KvBudget kvBudget,
        KvPoolStats kvPool,
        SchedulerStats scheduler,
        PrefixCacheStatus prefixCache) {

    /** Qwen3's dimensions and the weights' storage types, e.g. "Q4_K (169), Q6_K (29), F32 (113)". */
    public record ModelShape(int layers, int embedding, int heads, int kvHeads, int headDim, int feedForward,
                             int vocabulary, int trainedContext, String tensorTypes, String thinking) {
    }

    public boolean ready() {
        return state == EngineState.READY;
    }
}
