package dev.sluice.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.redis.RedisDeadLetterStore;
import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.bus.redis.StreamAudit;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;

/**
 * The scenario across processes: this process owns Redis (embedded in {@code <data dir>/redis}, or the one given) and
 * one {@link RecordingDownstream}; it starts {@code K} demo instances as child JVMs ({@link ChildInstance}) with a
 * durable {@code order.placed}, waits until they share every subscriber's partitions, publishes the orders through
 * them over HTTP ({@link ClusterClient}), {@code kill -9}s instance {@code i1} at {@code S} s (first taking it out of
 * the rotation, so no publish is cut: what the kill cuts is what it had read and not finished), restarts it on its
 * files at {@code T} s, drains (every accepted order has a first outcome for {@code inventory} and {@code email}, and
 * the audit shows nothing pending or undelivered), stops the instances with SIGTERM and reports ({@link
 * ClusterReport}). Runs on the calling thread (blocking waits there: the command's main, a test's), never on a
 * Reactor thread.
 */
final class ClusterScenario {

    /** Key prefix of the scenario's streams and letters: apart from a served demo's on the same Redis. */
    static final String KEY_PREFIX = "sluice-cluster";
    /** Share of mail the downstream refuses besides {@code @bounce.example}'s: some letters, redriven home. */
    static final double EMAIL_FAILURE_RATE = 0.05;
    /** Warm-up orders per instance before the measured ones. */
    static final int WARM_UP_PER_INSTANCE = 10;
    /** The instance that is killed. */
    static final String VICTIM = "i1";

    private static final Logger log = LoggerFactory.getLogger(ClusterScenario.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration SHARE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(250);

    /**
     * @param events orders to publish, at least 1
     * @param rate target orders per second, at least 1
     * @param instances demo instances to start, at least 2
     * @param killAt when, after the first publish, instance {@value #VICTIM} is killed, or null for never
     * @param restartAt when it is started again on its files, or null for never; after {@code killAt}
     * @param drainTimeout longest wait after publishing for every order's first outcome and a quiet audit
     * @param dataDir the scenario's files: the embedded Redis's, each instance's directory and log
     * @param redisUrl the Redis to use, or null for an embedded one
     * @param keyPrefix prefix of the instances' Redis keys, all deleted when the scenario starts
     * @param classPath the class path of the instances' JVMs (this one's)
     * @param blockhound run the instances with BlockHound
     */
    record Params(
            int events,
            int rate,
            int instances,
            @Nullable Duration killAt,
            @Nullable Duration restartAt,
            Duration drainTimeout,
            Path dataDir,
            @Nullable String redisUrl,
            String keyPrefix,
            String classPath,
            boolean blockhound) {

        /**
         * Validate.
         *
         * @throws IllegalArgumentException naming the bad value
         */
        Params {
            if (events < 1 || rate < 1) {
                throw new IllegalArgumentException("events and rate must be >= 1, but were " + events + " and " + rate);
            }
            if (instances < 2) {
                throw new IllegalArgumentException("instances must be >= 2, but was " + instances);
            }
            if (killAt != null && killAt.isNegative()) {
                throw new IllegalArgumentException("killAt must be >= 0, but was " + killAt);
            }
            if (restartAt != null && (killAt == null || restartAt.compareTo(killAt) <= 0)) {
                throw new IllegalArgumentException(
                        "restartAt (" + restartAt + ") needs a killAt before it, but killAt was " + killAt);
            }
            if (drainTimeout.isNegative() || drainTimeout.isZero()) {
                throw new IllegalArgumentException("drainTimeout must be positive, but was " + drainTimeout);
            }
        }
    }

    private final Params params;
    private final Map<String, Map<String, DeadLetter>> letters = new ConcurrentHashMap<>();
    private final List<ChildInstance> started = new ArrayList<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    /** The instance id of each child by name (a restart's replaces its predecessor's). */
    private final Map<String, String> ids = new LinkedHashMap<>();
    /** When each killed instance was gone, by instance id. */
    private final Map<String, Instant> killedAt = new LinkedHashMap<>();

    private final List<String> story = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    ClusterScenario(Params params) {
        this.params = params;
    }

    /**
     * Run the scenario and return its report.
     *
     * @throws IOException if Redis or an instance cannot be started, or the instances never share the partitions
     */
    ClusterReport run() throws IOException {
        Path dir = params.dataDir();
        deleteInstanceFiles(dir);
        String given = params.redisUrl();
        EmbeddedRedis embedded = given == null ? EmbeddedRedis.start(dir.resolve("redis")) : null;
        String url = embedded == null ? Objects.requireNonNull(given) : embedded.url();
        RedisClient redisClient = RedisClient.create(url);
        try (StatefulRedisConnection<String, String> redis = redisClient.connect()) {
            deleteKeys(redis, params.keyPrefix());
            RedisStreamTransport auditor = DemoTransport.create(url, params.keyPrefix());
            try (RecordingDownstream downstream = RecordingDownstream.start(EMAIL_FAILURE_RATE);
                    ClusterClient client = new ClusterClient();
                    RedisDeadLetterStore store = DemoStores.create(url, params.keyPrefix(), dir.resolve("scenario"))) {
                StreamWatch streams = new StreamWatch(redis.reactive(), params.keyPrefix());
                return run(url, downstream, client, store, auditor, streams);
            } finally {
                auditor.close().block(CALL_TIMEOUT);
            }
        } finally {
            redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            for (ChildInstance child : started) {
                if (child.isAlive()) {
                    log.warn("Killing {}, still running after the scenario", child);
                    child.kill9();
                }
            }
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private ClusterReport run(
            String url,
            RecordingDownstream downstream,
            ClusterClient client,
            RedisDeadLetterStore store,
            RedisStreamTransport auditor,
            StreamWatch streams)
            throws IOException {
        ChildInstance.Launch launch = new ChildInstance.Launch(
                url,
                downstream.baseUrl(),
                params.keyPrefix(),
                params.dataDir(),
                params.classPath(),
                params.blockhound());
        log.info(
                "Cluster scenario: {} demo instances on {} (keys {}:*), downstream {}; logs in {}",
                params.instances(),
                url,
                params.keyPrefix(),
                downstream.baseUrl(),
                params.dataDir().toAbsolutePath());
        Map<String, ChildInstance> children = new LinkedHashMap<>();
        for (int i = 1; i <= params.instances(); i++) {
            ChildInstance child = ChildInstance.start("i" + i, launch);
            started.add(child);
            children.put(child.name(), child);
        }
        String firstUrl = null;
        for (ChildInstance child : children.values()) {
            String baseUrl = join(child, client, "");
            firstUrl = firstUrl == null ? baseUrl : firstUrl;
        }
        awaitShared(client, Objects.requireNonNull(firstUrl));
        Set<String> warmUp = warmUp(client, downstream);
        Disposable watch = Disposables.composite(watchLetters(store), streams.start());
        try {
            long start = System.nanoTime();
            AtomicLong end = new AtomicLong();
            CompletableFuture<List<ClusterClient.Published>> publishing = client.publish(params.events(), params.rate())
                    .doOnTerminate(
                            () -> end.set(System.nanoTime())) // before the list completes; a restart may outlast it
                    .collectList()
                    .toFuture();
            killAndRestart(start, children, client, launch);
            List<ClusterClient.Published> published =
                    await(publishing, Duration.ofSeconds(params.events() / params.rate() + 600));
            double publishSeconds = (end.get() - start) / 1e9;
            log.info("Published {} of {} orders in {} s; draining", published.size(), params.events(), publishSeconds);
            drain(published, downstream, warmUp, auditor, streams, end.get());
            // the last word on letters and entries, before the instances stop; blocking here is safe: run() is on the
            // scenario's main thread (ScenarioCommand), never a Reactor one, and each wait is bounded by CALL_TIMEOUT
            readLetters(store).blockLast(CALL_TIMEOUT);
            streams.read().block(CALL_TIMEOUT);
            stop(children);
            StreamAudit audit =
                    Objects.requireNonNull(auditor.audit(Order.PLACED_DURABLE).block(CALL_TIMEOUT));
            boolean quiet = busy(audit).isEmpty();
            ClusterOutcomes outcomes = new ClusterOutcomes(
                    published, downstream.calls(), letters, warmUp, id -> quiet && streams.appended(id), killedAt);
            return report(client, published, publishSeconds, outcomes, warmUp.size(), audit);
        } finally {
            watch.dispose();
        }
    }

    /** Wait until {@code child} listens, put it into the rotation and label its instance id; return its URL. */
    private String join(ChildInstance child, ClusterClient client, String note) throws IOException {
        String baseUrl = child.awaitListening(START_TIMEOUT);
        JsonNode status = client.getJson(baseUrl, "/status.json").block(CALL_TIMEOUT);
        String id = Objects.requireNonNull(status, "status").path("instance").asText();
        labels.put(id, child.name() + note + " " + id);
        ids.put(child.name(), id);
        client.add(child.name(), baseUrl);
        log.info("{} listens on {} as instance {}", child, baseUrl, id);
        return baseUrl;
    }

    /** Wait until every order subscriber's partitions are shared by all the instances, as the first one sees it. */
    private void awaitShared(ClusterClient client, String baseUrl) throws IOException {
        long deadline = System.nanoTime() + SHARE_TIMEOUT.toNanos();
        JsonNode status = null;
        while (System.nanoTime() - deadline < 0) {
            status = client.getJson(baseUrl, "/status.json").block(CALL_TIMEOUT);
            if (status != null && shared(status, params.instances())) {
                return;
            }
            pause(POLL);
        }
        throw new IOException("the " + params.instances() + " instances did not share the 16 partitions of every order "
                + "subscriber within " + SHARE_TIMEOUT + "; last /status.json: " + status);
    }

    private static boolean shared(JsonNode status, int instances) {
        for (JsonNode subscriber : status.path("subscribers")) {
            if (!Subscribers.ORDER_SUBSCRIBERS.contains(subscriber.path("name").asText())) {
                continue;
            }
            JsonNode durable = subscriber.path("durable");
            Set<Integer> owned = new HashSet<>();
            durable.path("owners").forEach(ps -> ps.forEach(p -> owned.add(p.asInt())));
            if (durable.path("instances").size() != instances
                    || durable.path("owners").size() != instances
                    || owned.size()
                            != Objects.requireNonNull(Order.PLACED_DURABLE.durability())
                                    .partitions()) {
                return false;
            }
        }
        return true;
    }

    /** Publish the warm-up orders and wait until the downstream has seen {@code inventory} call for each. */
    private Set<String> warmUp(ClusterClient client, RecordingDownstream downstream) throws IOException {
        int count = WARM_UP_PER_INSTANCE * params.instances();
        List<ClusterClient.Published> warm = client.warmUp(count).collectList().block(START_TIMEOUT);
        Set<String> ids = new HashSet<>();
        Objects.requireNonNull(warm).forEach(p -> ids.add(p.eventId()));
        if (ids.size() != count) {
            throw new IOException(
                    "only " + ids.size() + " of " + count + " warm-up orders were accepted: " + client.failures());
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            Set<String> seen = new HashSet<>();
            downstream.calls().stream()
                    .filter(call -> call.endpoint().equals(RecordingDownstream.STOCK))
                    .map(RecordingDownstream.Call::eventId)
                    .filter(Objects::nonNull)
                    .forEach(seen::add);
            if (seen.containsAll(ids)) {
                return ids;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(
                        "inventory did not call the downstream for every warm-up order within " + START_TIMEOUT);
            }
            pause(POLL);
        }
    }

    /** At {@code killAt}, take {@value #VICTIM} out of the rotation and {@code kill -9} it; at {@code restartAt}, start it again. */
    private void killAndRestart(
            long start, Map<String, ChildInstance> children, ClusterClient client, ChildInstance.Launch launch)
            throws IOException {
        Duration killAt = params.killAt();
        if (killAt == null) {
            return;
        }
        pauseUntil(start + killAt.toNanos());
        ChildInstance victim = Objects.requireNonNull(children.get(VICTIM));
        int cut = client.withdraw(VICTIM, Duration.ofSeconds(5));
        victim.kill9();
        killedAt.put(Objects.requireNonNull(ids.get(VICTIM)), Instant.now());
        story.add(String.format(
                Locale.ROOT,
                "Killed %s (pid %d) with kill -9 at %.1f s%s",
                VICTIM,
                victim.pid(),
                (System.nanoTime() - start) / 1e9,
                cut == 0 ? "" : "; " + cut + " publish(es) to it were in flight"));
        log.info(story.get(story.size() - 1));
        Duration restartAt = params.restartAt();
        if (restartAt == null) {
            return;
        }
        pauseUntil(start + restartAt.toNanos());
        ChildInstance restarted = ChildInstance.start(VICTIM, launch);
        started.add(restarted);
        children.put(VICTIM, restarted);
        join(restarted, client, " (restarted)");
        story.add(String.format(
                Locale.ROOT,
                "Restarted %s on its files at %.1f s (pid %d), listening at %.1f s",
                VICTIM,
                restartAt.toNanos() / 1e9,
                restarted.pid(),
                (System.nanoTime() - start) / 1e9));
        log.info(story.get(story.size() - 1));
    }

    /**
     * Wait until every accepted order has its first outcome for {@code inventory} and {@code email}, and no order
     * subscriber's group has anything pending or undelivered; at most the drain timeout (then a problem says what is
     * missing).
     */
    private void drain(
            List<ClusterClient.Published> published,
            RecordingDownstream downstream,
            Set<String> warmUp,
            RedisStreamTransport auditor,
            StreamWatch streams,
            long lastPublish) {
        long begin = System.nanoTime();
        long deadline = begin + params.drainTimeout().toNanos();
        while (true) {
            StreamAudit audit =
                    Objects.requireNonNull(auditor.audit(Order.PLACED_DURABLE).block(CALL_TIMEOUT));
            List<String> busy = busy(audit);
            int outstanding = new ClusterOutcomes(
                            published,
                            downstream.calls(),
                            letters,
                            warmUp,
                            id -> busy.isEmpty() && streams.appended(id),
                            killedAt)
                    .outstanding();
            if (outstanding == 0 && busy.isEmpty()) {
                story.add(String.format(
                        Locale.ROOT, "Drained %.1f s after the last publish", (System.nanoTime() - lastPublish) / 1e9));
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                problems.add("not drained within " + params.drainTimeout() + ": " + outstanding
                        + " (order, subscriber) outcome(s) missing; groups still pending or undelivered: " + busy);
                return;
            }
            pause(POLL);
        }
    }

    /** Return the order subscribers whose group has entries pending or undelivered (or no audit at all). */
    private static List<String> busy(StreamAudit audit) {
        return Subscribers.ORDER_SUBSCRIBERS.stream()
                .filter(name -> {
                    StreamAudit.Group group = audit.groups().get(name);
                    return group == null || group.pending() > 0 || group.undelivered() > 0;
                })
                .toList();
    }

    /** Stop every instance still running with SIGTERM; one that exited by itself, or would not stop, is a problem. */
    private void stop(Map<String, ChildInstance> children) throws IOException {
        for (ChildInstance child : children.values()) {
            if (child.name().equals(VICTIM) && params.killAt() != null && params.restartAt() == null) {
                continue; // killed on purpose, never restarted
            }
            if (!child.isAlive()) {
                problems.add(child + " exited by itself with code "
                        + child.exitCode().orElse(-1) + "; see " + child.log());
            } else if (!child.stop(STOP_TIMEOUT)) {
                problems.add(child + " did not stop within " + STOP_TIMEOUT + " of SIGTERM and was killed");
            }
        }
    }

    /** Read every order subscriber's letters (live and parked) every 250 ms: a letter redriven home is deleted. */
    private Disposable watchLetters(RedisDeadLetterStore store) {
        return Flux.interval(Duration.ZERO, POLL)
                .onBackpressureDrop()
                .concatMap(
                        tick -> readLetters(store).onErrorResume(e -> {
                            log.warn("Could not read the dead letters; trying again", e);
                            return Flux.empty();
                        }),
                        1)
                .subscribe();
    }

    private Flux<DeadLetter> readLetters(RedisDeadLetterStore store) {
        return Flux.fromIterable(Subscribers.ORDER_SUBSCRIBERS)
                .concatMap(name -> {
                    DeadLetterQuery all = DeadLetterQuery.of(name).withPage(0, DeadLetterQuery.MAX_LIMIT);
                    return store.list(all).concatWith(store.list(all.withParked(true)));
                })
                .doOnNext(letter -> letters.computeIfAbsent(letter.subscriber(), s -> new ConcurrentHashMap<>())
                        .putIfAbsent(letter.eventId(), letter));
    }

    private ClusterReport report(
            ClusterClient client,
            List<ClusterClient.Published> published,
            double publishSeconds,
            ClusterOutcomes outcomes,
            int warmUp,
            StreamAudit audit) {
        List<String> run = new ArrayList<>(problems);
        if (published.size() != params.events()) {
            run.add(0, "published " + published.size() + " of " + params.events() + ": " + client.failures());
        }
        Map<String, List<String>> lost = new LinkedHashMap<>();
        ClusterOutcomes.JUDGED.forEach(name -> lost.put(name, outcomes.withoutOutcome(name)));
        List<String> violations = outcomes.orderViolations();
        Map<String, Map<String, Long>> handled = new LinkedHashMap<>();
        outcomes.handledPerInstance().forEach((id, counts) -> handled.put(labels.getOrDefault(id, "? " + id), counts));
        if (client.failedAttempts() > 0) {
            story.add(client.failedAttempts() + " publish attempt(s) failed and were sent again");
        }
        return new ClusterReport(
                params.events(),
                params.rate(),
                params.instances(),
                published.size(),
                warmUp,
                publishSeconds,
                List.copyOf(story),
                handled,
                outcomes.recoveredByFallback(),
                outcomes.repeatsAfterTakeover().size(),
                outcomes.duplicates(),
                outcomes.deadLetteredByReason(),
                violations,
                lost,
                outcomes.unknownCalls(),
                outcomes.latency(),
                audit,
                ClusterReport.problems(run, lost, violations, audit));
    }

    /** Delete the instances' directories and logs of an earlier run: their journals belong to its deleted keys. */
    private static void deleteInstanceFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> earlier;
        try (Stream<Path> entries = Files.list(dir)) {
            earlier = entries.filter(p -> p.getFileName().toString().matches("i\\d+(\\.log)?"))
                    .toList();
        }
        for (Path path : earlier) {
            try (Stream<Path> tree = Files.walk(path)) {
                for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Delete every key under {@code prefix}: streams, groups, leases and letters of an earlier run. */
    private static void deleteKeys(StatefulRedisConnection<String, String> connection, String prefix) {
        ScanArgs match = ScanArgs.Builder.matches(prefix + ":*").limit(1000);
        long deleted = 0;
        KeyScanCursor<String> cursor = connection.sync().scan(ScanCursor.INITIAL, match);
        while (true) {
            if (!cursor.getKeys().isEmpty()) {
                deleted += connection.sync().unlink(cursor.getKeys().toArray(String[]::new));
            }
            if (cursor.isFinished()) {
                break;
            }
            cursor = connection.sync().scan(cursor, match);
        }
        if (deleted > 0) {
            log.info("Deleted {} Redis keys under {}: left by an earlier run", deleted, prefix);
        }
    }

    private static <T> T await(CompletableFuture<T> future, Duration timeout) throws IOException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("publishing failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("publishing did not end within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while publishing", e);
        }
    }

    private static void pauseUntil(long nanoTime) {
        for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private static void pause(Duration duration) {
        pauseUntil(System.nanoTime() + duration.toNanos());
    }
}
