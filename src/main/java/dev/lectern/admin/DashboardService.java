package dev.lectern.admin;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Service;

import dev.lectern.engine.kv.KvLayout;
import dev.lectern.engine.kv.KvPoolStats;
import dev.lectern.engine.model.Qwen3Config;
import dev.lectern.inference.EngineStatus;
import dev.lectern.inference.InferenceService;
import dev.lectern.inference.PrefixCacheStatus;
import dev.lectern.inference.PrefixInfo;
import dev.lectern.metrics.TrafficHistory;

/** Puts the admin page's panels together from the engine, the traffic history, the hardware and the database. */
@Service
class DashboardService {

    private final InferenceService inference;
    private final TrafficHistory traffic;
    private final HardwareMonitor hardware;
    private final AdminRepository repository;

    DashboardService(InferenceService inference, TrafficHistory traffic, HardwareMonitor hardware,
                     AdminRepository repository) {
        this.inference = inference;
        this.traffic = traffic;
        this.hardware = hardware;
        this.repository = repository;
    }

    /** Blocking (database, NVML): call off the event loop. */
    Dashboard current() {
        EngineStatus engine = inference.status();
        List<PrefixInfo> prefixes = inference.prefixes();
        return new Dashboard(Instant.now().toEpochMilli(), traffic.latest(), cache(engine, prefixes),
                kv(engine, prefixes), hardware.read(engine), model(engine), repository.users());
    }

    List<UserRow> users() {
        return repository.users();
    }

    HardwarePanel hardware(EngineStatus engine) {
        return hardware.read(engine);
    }

    CachePanel cache(EngineStatus engine, List<PrefixInfo> prefixes) {
        Map<String, List<CacheRow.DocumentRef>> documents = repository.documentsByPrefix();
        List<CacheRow> rows = prefixes.stream()
                .map(prefix -> new CacheRow(prefix, documents.getOrDefault(prefix.key(), List.of()))).toList();
        PrefixCacheStatus cache = engine.prefixCache();
        KvPoolStats pool = engine.kvPool();
        long ramBudget = pool == null ? 0 : pool.capacityBytes();
        return new CachePanel(rows, cache == null ? 0 : cache.pinnedRamBytes(), ramBudget,
                (long) (ramBudget * PrefixCacheStatus.PINNED_RAM_SHARE), cache == null ? 0 : cache.diskBytes(),
                cache == null ? 0 : cache.diskBudgetBytes(), cache == null ? 0 : cache.hitTokens(),
                cache == null ? 0 : cache.queriedTokens());
    }

    KvPanel kv(EngineStatus engine, List<PrefixInfo> prefixes) {
        KvPoolStats pool = engine.kvPool();
        long blockBytes = pool == null || pool.blockBytes() == 0 ? 1 : pool.blockBytes();
        List<KvPanel.DocumentBlocks> documents = prefixes.stream().filter(prefix -> prefix.ramBytes() > 0)
                .map(prefix -> new KvPanel.DocumentBlocks(prefix.key(), prefix.label(), prefix.ramBytes(),
                        prefix.ramBytes() / blockBytes))
                .toList();
        return new KvPanel(engine.kvType(), KvLayout.DEFAULT_BLOCK_SIZE, pool,
                inference.sequences(), documents);
    }

    ModelPanel model(EngineStatus engine) {
        return new ModelPanel(engine.state().name(), engine.message(), engine.modelFile(), engine.modelBytes(),
                engine.shape() == null ? null : Qwen3Config.ARCHITECTURE, engine.shape(), engine.contextLength(),
                engine.backend(), engine.kernels(), engine.threads(), engine.kvType(),
                engine.kvBudget() == null ? null : engine.kvBudget().bytes(),
                engine.kvBudget() == null ? null : engine.kvBudget().explanation(), engine.loadSeconds());
    }
}
