package org.hermesgo.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.opensearch.client.node.NodeClient;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.env.Environment;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.rest.RestChannel;
import org.opensearch.rest.RestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.Netty4Plugin;

/**
 * Test-only launcher: runs one embedded OpenSearch node in this JVM.
 *
 * <p>Every argument is a {@code key=value} node setting (e.g. {@code http.port=39200}); they override the
 * defaults below. {@code path.home} is required. The node is closed on SIGTERM/SIGINT (shutdown hook).
 *
 * <p>The modules that a distribution would load from {@code modules/} are passed as classpath plugins
 * instead (Netty4 for HTTP/transport, reindex for _delete_by_query). No security manager and no bootstrap
 * checks are involved, because {@code org.opensearch.bootstrap.OpenSearch} is not used.
 */
public final class OpenSearchLauncher {

    /** Node subclass only to reach the protected constructor that takes classpath plugins. */
    static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
            super(env, plugins, true);
        }
    }

    /**
     * Adds {@code X-Elastic-Product: Elasticsearch} to every REST response handled by a REST handler, so that
     * the official Elasticsearch clients (go-elasticsearch v8 refuses servers without it: "the client noticed
     * that the server is not Elasticsearch") can talk to this test node. Enabled unless
     * {@code -Dhermes.es_product_header=false}.
     */
    public static final class ElasticProductHeaderPlugin extends Plugin implements ActionPlugin {
        @Override
        public UnaryOperator<RestHandler> getRestHandlerWrapper(ThreadContext threadContext) {
            return handler -> new RestHandler.Wrapper(handler) {
                @Override
                public void handleRequest(RestRequest request, RestChannel channel, NodeClient client) throws Exception {
                    threadContext.addResponseHeader("X-Elastic-Product", "Elasticsearch");
                    super.handleRequest(request, channel, client);
                }
            };
        }
    }

    private OpenSearchLauncher() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            // exit even if node threads (non-daemon) are already running; the shutdown hook closes the node
            System.err.println("opensearch-launcher: startup failed");
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Settings.Builder b = Settings.builder()
            .put("cluster.name", "hermes-test")
            .put("node.name", "hermes-test-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", "39200")
            .put("transport.port", "39300")
            .put("discovery.type", "single-node")
            // no disk-watermark surprises on a nearly full /tmp
            .put("cluster.routing.allocation.disk.threshold_enabled", "false")
            .put("action.auto_create_index", "true")
            .put("http.cors.enabled", "false");
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                System.err.println("opensearch-launcher: argument must be key=value: " + a);
                System.exit(2);
            }
            b.put(a.substring(0, eq), a.substring(eq + 1));
        }
        Settings settings = b.build();
        String home = settings.get("path.home");
        if (home == null || home.isEmpty()) {
            System.err.println("opensearch-launcher: path.home=<dir> is required");
            System.exit(2);
        }
        Path homePath = Paths.get(home);
        Files.createDirectories(homePath.resolve("config"));
        Files.createDirectories(homePath.resolve("plugins"));
        Files.createDirectories(homePath.resolve("modules"));

        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), homePath.resolve("config"), () -> settings.get("node.name"));
        List<Class<? extends Plugin>> plugins = new ArrayList<>(List.of(Netty4Plugin.class, ReindexPlugin.class));
        if (Boolean.parseBoolean(System.getProperty("hermes.es_product_header", "true"))) {
            plugins.add(ElasticProductHeaderPlugin.class);
        }
        final Node node = new EmbeddedNode(env, plugins);

        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "opensearch-launcher-shutdown"));

        node.start();
        // Single node: new indices get 0 replicas, so they turn green (not yellow). As a node setting
        // (opensearch.yml) this was ignored in 2.19.6; as a cluster setting it takes effect.
        String replicas = System.getProperty("hermes.default_replicas", "0");
        if (!replicas.isEmpty()) {
            node.client().admin().cluster().prepareUpdateSettings()
                .setTransientSettings(Settings.builder().put("cluster.default_number_of_replicas", replicas))
                .get(TimeValue.timeValueSeconds(30));
        }
        System.out.println("opensearch-launcher: ready, http " + settings.get("network.host") + ":"
            + settings.get("http.port"));
        stopped.await();
    }
}
